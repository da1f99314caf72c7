#!/usr/bin/env bash
# Deploy gluekb to AWS with SAM, then the two steps CloudFormation cannot do.
#   infra/deploy.sh <stack-name> <worker-image-uri> <vpc-id> <subnet-a,subnet-b>
# Needs: sam CLI, AWS credentials, an ECR image of gpu_worker/Dockerfile.
set -euo pipefail
stack=${1:?stack name}; image=${2:?worker image URI}; vpc=${3:?VPC id}; subnets=${4:?subnet ids, comma-separated}
cd "$(dirname "$0")/.."

sam build --template template.yaml
sam deploy --stack-name "$stack" --resolve-s3 --capabilities CAPABILITY_IAM \
  --parameter-overrides "WorkerImage=$image" "VpcId=$vpc" "SubnetIds=$subnets" "Stage=${STAGE:-prod}" \
  --no-fail-on-empty-changeset

out() { aws cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text; }

# 1. SES has one active receipt rule set per region; CloudFormation cannot activate it.
aws ses set-active-receipt-rule-set --rule-set-name "$(out InboundRuleSetName)"

# 2. The IT Glue API key is never in the template or in git: put it in the secret once.
if [[ -n "${ITGLUE_API_KEY:-}" ]]; then
  aws secretsmanager put-secret-value --secret-id "$stack/itglue-api-key" --secret-string "$ITGLUE_API_KEY"
fi
echo "API: $(out ApiUrl)"
