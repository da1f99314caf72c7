#!/usr/bin/env bash
# Deploy gluekb to AWS: the two images, `make sam-build` (validated, built, checked), `sam deploy`,
# then the steps CloudFormation cannot do (SES rule set, SES identity, the IT Glue key). Prints
# the API, console and MCP URLs.
#
#   infra/deploy.sh --stack NAME --vpc VPC_ID --subnets PRIVATE_A,PRIVATE_B \
#       --certificate ACM_ARN --public-subnets PUBLIC_A,PUBLIC_B [options]
#
# Needs: make, docker (unless both image URIs are given), the AWS CLI and credentials; the SAM
# CLI comes from `make sam` (.venv-sam). `--dry-run` needs none of docker, the CLI or an account.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: infra/deploy.sh --stack NAME --vpc VPC_ID --subnets SUBNET,SUBNET [options]

required
  --stack NAME            CloudFormation stack name (also the prefix of every resource)
  --vpc VPC_ID            VPC of the functions, the worker, OpenSearch and the MCP tasks
  --subnets A,B           private subnets (with a NAT route: IT Glue, Git hosts)
  --certificate ARN       ACM certificate of the MCP load balancer's HTTPS listener
  --public-subnets A,B    public subnets of the MCP load balancer (two or more AZs)
                          (neither of the last two with --no-mcp)
options
  --worker-image URI      the embedding worker's image; default: build gpu_worker/Dockerfile
                          and push it to ECR (<account>.dkr.ecr.<region>.amazonaws.com/gluekb-worker)
  --mcp-image URI         the MCP server's image; default: build mcp_server/Dockerfile, push it
  --mcp-domain NAME       the certificate's name for the MCP server (CNAME it to the ALB)
  --no-mcp                deploy without the MCP server
  --region REGION         default: AWS_REGION, else the AWS CLI's configured region
  --stage NAME            GLUEKB_STAGE (default: prod)
  --parameter KEY=VALUE   any other template parameter (repeatable), e.g.
                          OpenSearchEndpoint=https://... InboundMailRecipient=support@msp.example
  --no-execute            create the change set and stop (review it in the console)
  --dry-run               no account needed: validate, build and check, then print the images
                          and the `sam deploy` command; nothing is pushed or deployed
  --skip-build            with --dry-run: skip `make sam-build` (validate + build + check)
environment
  ITGLUE_API_KEY          stored in the <stack>/itglue-api-key secret after the deploy
EOF
}

die() { echo "deploy.sh: $*" >&2; exit 2; }

stack="" vpc="" subnets="" certificate="" public_subnets="" worker_image="" mcp_image=""
mcp_domain="" region="${AWS_REGION:-}" stage="prod" with_mcp=1 dry_run=0 skip_build=0
execute=1 extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --stack) stack=${2:?}; shift 2 ;;
    --vpc) vpc=${2:?}; shift 2 ;;
    --subnets) subnets=${2:?}; shift 2 ;;
    --certificate) certificate=${2:?}; shift 2 ;;
    --public-subnets) public_subnets=${2:?}; shift 2 ;;
    --worker-image) worker_image=${2:?}; shift 2 ;;
    --mcp-image) mcp_image=${2:?}; shift 2 ;;
    --mcp-domain) mcp_domain=${2:?}; shift 2 ;;
    --no-mcp) with_mcp=0; shift ;;
    --region) region=${2:?}; shift 2 ;;
    --stage) stage=${2:?}; shift 2 ;;
    --parameter) extra+=("${2:?}"); shift 2 ;;
    --no-execute) execute=0; shift ;;
    --dry-run) dry_run=1; shift ;;
    --skip-build) skip_build=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ -n $stack && -n $vpc && -n $subnets ]] || { usage >&2; die "--stack, --vpc and --subnets are required"; }
if (( with_mcp )); then
  [[ -n $certificate ]] || die "the MCP server needs --certificate (ACM, HTTPS), or use --no-mcp"
  [[ -n $public_subnets ]] || die "the MCP server needs --public-subnets, or use --no-mcp"
fi
(( skip_build == 0 || dry_run )) || die "--skip-build is for --dry-run only"
cd "$(dirname "$0")/.."

run() {  # print, then run unless this is a dry run
  printf '+'; printf ' %q' "$@"; printf '\n'
  (( dry_run )) || "$@"
}

# ---------------------------------------------------------------- account, region, images
if (( dry_run )); then
  account="<account>"; region=${region:-<region>}
else
  region=${region:-$(aws configure get region || true)}
  [[ -n $region ]] || die "no region: pass --region or set AWS_REGION"
  account=$(aws sts get-caller-identity --query Account --output text --region "$region")
fi
registry="$account.dkr.ecr.$region.amazonaws.com"
tag=$(git rev-parse --short=12 HEAD 2>/dev/null || echo latest)
[[ -z $(git status --porcelain 2>/dev/null) ]] || tag="$tag-dirty-$(date +%Y%m%d%H%M%S)"

logged_in=0
push_image() {  # push_image <repository> <dockerfile>: prints the pushed URI
  local uri="$registry/$1:$tag"
  if (( ! dry_run )); then
    aws ecr describe-repositories --repository-names "$1" --region "$region" >/dev/null 2>&1 \
      || aws ecr create-repository --repository-name "$1" --region "$region" \
           --image-scanning-configuration scanOnPush=true >/dev/null
    if (( ! logged_in )); then
      aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry" >&2
      logged_in=1
    fi
  fi
  run docker build --platform linux/amd64 -f "$2" -t "$uri" . >&2
  run docker push "$uri" >&2
  echo "$uri"
}
[[ -n $worker_image ]] || worker_image=$(push_image gluekb-worker gpu_worker/Dockerfile)
if (( with_mcp )); then
  [[ -n $mcp_image ]] || mcp_image=$(push_image gluekb-mcp mcp_server/Dockerfile)
else
  mcp_image="" certificate="" public_subnets="" mcp_domain=""
fi

# ---------------------------------------------------------------- build, deploy
parameters=(
  "Stage=$stage" "VpcId=$vpc" "SubnetIds=$subnets" "WorkerImage=$worker_image"
  "McpImage=$mcp_image" "McpCertificateArn=$certificate" "PublicSubnetIds=$public_subnets"
  "McpDomainName=$mcp_domain" ${extra[@]+"${extra[@]}"}
)
if (( skip_build )); then
  echo "+ make sam-build  (skipped: --skip-build)"
else
  make sam-build  # validate --lint, build, then infra/check_build.py: what deploys is what passed
fi
deploy=(.venv-sam/bin/sam deploy --template-file .aws-sam/build/template.yaml --stack-name "$stack"
  --region "$region" --resolve-s3 --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset
  --parameter-overrides "${parameters[@]}")
(( execute )) || deploy+=(--no-execute-changeset)
run env SAM_CLI_TELEMETRY=0 "${deploy[@]}"

if (( dry_run )); then
  echo "API:     https://<api-id>.execute-api.$region.amazonaws.com"
  echo "console: https://<api-id>.execute-api.$region.amazonaws.com/"
  if (( with_mcp )); then echo "MCP:     https://${mcp_domain:-<load-balancer>}/mcp"; fi
  echo "dry run: nothing was pushed or deployed"
  exit 0
fi
(( execute )) || { echo "change set created for $stack: review and execute it in the console"; exit 0; }

out() { aws cloudformation describe-stacks --stack-name "$stack" --region "$region" \
  --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text; }
parameter() { aws cloudformation describe-stacks --stack-name "$stack" --region "$region" \
  --query "Stacks[0].Parameters[?ParameterKey=='$1'].ParameterValue" --output text; }

# 1. SES has one active receipt rule set per region; CloudFormation cannot activate it.
aws ses set-active-receipt-rule-set --rule-set-name "$(out InboundRuleSetName)" --region "$region"
# 2. Acknowledgements and ticket replies are sent from the support address, and SES sends only
#    from a verified identity: ask for the verification (SES mails the address) until it is.
recipient=$(parameter InboundMailRecipient)
if [[ $recipient == *@* ]]; then
  status=$(aws ses get-identity-verification-attributes --identities "$recipient" --region "$region" \
    --query "VerificationAttributes.\"$recipient\".VerificationStatus" --output text)
  if [[ $status != Success ]]; then
    aws ses verify-email-identity --email-address "$recipient" --region "$region"
    echo "SES: confirm the verification mail sent to $recipient (replies wait for it)"
  fi
fi
# 3. The IT Glue API key is never in the template or in git: put it in the secret once.
if [[ -n ${ITGLUE_API_KEY:-} ]]; then
  aws secretsmanager put-secret-value --secret-id "$stack/itglue-api-key" \
    --secret-string "$ITGLUE_API_KEY" --region "$region" >/dev/null
fi
echo "API:     $(out ApiUrl)"
echo "console: $(out ConsoleUrl)"
if (( with_mcp )); then
  echo "MCP:     $(out McpUrl)"
  if [[ -n $mcp_domain ]]; then echo "         point $mcp_domain at $(out McpLoadBalancerDnsName)"; fi
fi
