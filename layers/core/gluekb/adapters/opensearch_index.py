"""The OpenSearch search index (Amazon OpenSearch Service in AWS): BM25 + faiss HNSW k-NN.

Design:
- One chunks index (`GLUEKB_OPENSEARCH_INDEX`, default `gluekb-chunks`): keyword fields for ids,
  organization, type and identifiers; `title`/`text` analysed like the embedded index (split on
  anything but letters and digits, lower case, ASCII folding, English stop words, porter stem);
  the embedding a `knn_vector` on faiss HNSW with inner product over unit vectors (cosine).
  The writer keeps an index template (infra/opensearch/chunks-index-template.json holds the
  same JSON) and creates the index from it when missing.
- Two small side indices: `<index>-sources` (one record per source: organization and
  source_hash, written after its chunks, so it doubles as the commit marker) and
  `<index>-generations` (one document per organization; its `_version` is the generation,
  bumped by every write touching the organization; read with a realtime multi-get).
- Tenant filter inside every query: a bool `filter` next to the BM25 clause, and the `filter`
  of the `knn` clause itself (faiss efficient filtering: exact search when an organization's
  filtered set is small, `index.knn.advanced.filtered_exact_search_threshold`, else filtered
  HNSW), never a post-filter.
- Hybrid: client-side reciprocal rank fusion of one `_msearch` round trip (identifier lookup,
  BM25, k-NN). OpenSearch's own `hybrid` query with a `score-ranker-processor` (RRF, 2.19+)
  fuses inside the cluster, but it says nothing about which sub-query matched a hit
  (`matched_by`), cannot put identifier hits first whatever their rank, and needs a search
  pipeline; fusing here ranks exactly like the embedded index and passes the same suite.
- Writes (the worker only): a replace indexes the source's chunks under their chunk ids
  (`refresh=wait_for`: searchable when `write` returns), then deletes the source's chunk ids
  not in the new set, then writes the source record, then bumps the generations. A crash in
  between leaves the old source record, so the worker sees a stale hash and redoes the source;
  a chunk id is never indexed twice and a source is never left empty. Bulk items failing with
  429/5xx are retried with backoff; any other item failure raises.

Long because it is one class, the SearchIndex port on OpenSearch, next to the index body it
creates and queries: the mapping, the writes and the query bodies change together.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from opensearchpy import (
    AWSV4SignerAuth,
    ConnectionError,
    NotFoundError,
    OpenSearch,
    RequestsHttpConnection,
    TransportError,
)

from gluekb.adapters.index_semantics import (
    HYBRID_CANDIDATES,
    MatchedBy,
    PreparedSource,
    bm25_words,
    identifier_candidates,
    normalize_identifier,
    prepare_operations,
    query_vector,
    reciprocal_rank_fusion,
    resolve_vector,
)
from gluekb.errors import ConfigurationError, DependencyUnavailable, GluekbError
from gluekb.models.index import Chunk, SearchHit

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from gluekb.models.index import IndexOperation
    from gluekb.ports.search_index import LazyQueryVector, QueryVector
    from gluekb.settings import _Search

MAX_K = 1000
# A source's chunks are read in one page; OpenSearch's default result window.
MAX_SOURCE_CHUNKS = 10_000
BULK_ITEMS = 500
PAGE = 1000
RETRYABLE = frozenset({429, 502, 503, 504})
SNIPPET_CHARS = 160
_SOURCE_EXCLUDES = {"excludes": ["embedding"]}


@dataclass(frozen=True)
class HnswParameters:
    """faiss HNSW: graph degree, build beam, search beam (the mapping fixes all three)."""

    m: int = 16
    ef_construction: int = 128
    ef_search: int = 100


def chunks_index_body(
    dimension: int,
    *,
    hnsw: HnswParameters | None = None,
    shards: int = 1,
    replicas: int = 1,
    exact_search_threshold: int = 10_000,
) -> dict[str, Any]:
    """Settings and mappings of the chunks index (the template's `template` part)."""
    hnsw = hnsw or HnswParameters()
    text = {"type": "text", "analyzer": "gluekb_text"}
    keyword = {"type": "keyword"}
    return {
        "settings": {
            "index": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                # Freshness target: a few seconds (writes also wait for the refresh).
                "refresh_interval": "1s",
                "knn": True,
                # An organization's chunks (50-4,000 each) are searched exactly, not by graph.
                "knn.advanced.filtered_exact_search_threshold": exact_search_threshold,
            },
            "analysis": {
                "tokenizer": {"gluekb_words": {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"}},
                "filter": {"gluekb_stop": {"type": "stop", "stopwords": "_english_"}},
                "analyzer": {
                    "gluekb_text": {
                        "type": "custom",
                        "tokenizer": "gluekb_words",
                        "filter": ["lowercase", "asciifolding", "gluekb_stop", "porter_stem"],
                    }
                },
                "normalizer": {"gluekb_lowercase": {"type": "custom", "filter": ["lowercase"]}},
            },
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "chunk_id": keyword,
                "source_id": keyword,
                "organization_id": keyword,
                "source_type": keyword,
                "title": text,
                "text": text,
                "url": {"type": "keyword", "index": False},
                "updated_at": {"type": "date"},
                "position": {"type": "integer"},
                # Stored as given, never searched: the lookups use the flattened fields below.
                "identifiers": {"type": "object", "enabled": False},
                "identifier_terms": {"type": "keyword", "normalizer": "gluekb_lowercase"},
                "identifier_values": {"type": "keyword", "normalizer": "gluekb_lowercase"},
                "metadata": {"type": "object", "enabled": False},
                "content_hash": keyword,
                "source_hash": keyword,
                "embedding": {
                    "type": "knn_vector",
                    "dimension": dimension,
                    "method": {
                        "name": "hnsw",
                        "engine": "faiss",
                        "space_type": "innerproduct",
                        "parameters": {
                            "m": hnsw.m,
                            "ef_construction": hnsw.ef_construction,
                            "ef_search": hnsw.ef_search,
                        },
                    },
                },
            },
        },
    }


def chunks_index_template(
    index: str = "gluekb-chunks", dimension: int = 384, **options: Any
) -> dict[str, Any]:
    """The composable index template (`PUT _index_template/<index>`) for the chunks index and
    its versioned successors (`<index>-v2`, ... for a reindex behind an alias)."""
    return {
        "index_patterns": [index, f"{index}-v*"],
        "priority": 100,
        "template": chunks_index_body(dimension, **options),
        "_meta": {"owner": "gluekb", "description": "chunks: BM25 text + faiss HNSW vectors"},
    }


def _side_index_body() -> dict[str, Any]:
    return {
        "settings": {"index": {"number_of_shards": 1, "number_of_replicas": 1}},
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "organization_id": {"type": "keyword"},
                "source_hash": {"type": "keyword"},
                "chunks": {"type": "integer"},
                "updated_at": {"type": "date"},
            },
        },
    }


def connect(
    url: str,
    *,
    auth: str = "sigv4",
    region: str = "us-east-1",
    timeout_s: float = 10.0,
) -> OpenSearch:
    """An opensearch-py client for `url`: SigV4 (Amazon OpenSearch Service; Serverless when the
    host is *.aoss.amazonaws.com) with boto3's credentials, HTTP basic from the URL's
    user:password, or none."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError("GLUEKB_OPENSEARCH_URL must look like https://host[:port]")
    use_ssl = parts.scheme == "https"
    http_auth: Any = None
    if auth == "sigv4":
        import boto3

        credentials = boto3.session.Session(region_name=region).get_credentials()
        if credentials is None:
            raise ConfigurationError("GLUEKB_OPENSEARCH_AUTH=sigv4 but no AWS credentials found")
        service = "aoss" if parts.hostname.endswith(".aoss.amazonaws.com") else "es"
        http_auth = AWSV4SignerAuth(credentials, region, service)
    elif auth == "basic":
        if not parts.username:
            raise ConfigurationError(
                "GLUEKB_OPENSEARCH_AUTH=basic needs https://user:password@host in "
                "GLUEKB_OPENSEARCH_URL"
            )
        http_auth = (unquote(parts.username), unquote(parts.password or ""))
    elif auth != "none":
        raise ConfigurationError(f"GLUEKB_OPENSEARCH_AUTH must be sigv4, basic or none: {auth}")
    host: dict[str, Any] = {"host": parts.hostname, "port": parts.port or (443 if use_ssl else 80)}
    if parts.path.strip("/"):
        host["url_prefix"] = parts.path.rstrip("/")
    return OpenSearch(
        hosts=[host],
        http_auth=http_auth,
        use_ssl=use_ssl,
        verify_certs=use_ssl,
        connection_class=RequestsHttpConnection,
        pool_maxsize=16,
        timeout=timeout_s,
        max_retries=2,
        retry_on_timeout=True,
        retry_on_status=(502, 503, 504),
    )


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _bounded(k: int) -> int:
    return max(0, min(k, MAX_K))


def _unit(values: Sequence[float]) -> list[float]:
    """Inner product equals cosine similarity on unit vectors."""
    norm = math.sqrt(sum(value * value for value in values))
    return [value / norm for value in values] if norm else list(values)


def _cosine(score: float) -> float:
    """Back from the faiss inner-product score (1 + ip if ip >= 0, else 1 / (1 - ip))."""
    return score - 1.0 if score >= 1.0 else 1.0 - 1.0 / score


def _chunk(source: Mapping[str, Any]) -> Chunk:
    return Chunk.model_validate(
        {
            "chunk_id": source["chunk_id"],
            "source_id": source["source_id"],
            "organization_id": source["organization_id"],
            "source_type": source["source_type"],
            "title": source["title"],
            "text": source["text"],
            "url": source.get("url"),
            "updated_at": source.get("updated_at"),
            "position": source.get("position", 0),
            "identifiers": source.get("identifiers") or {},
            "metadata": source.get("metadata") or {},
            "content_hash": source["content_hash"],
        }
    )


def _snippet(hit: Mapping[str, Any]) -> str | None:
    fragments = hit.get("highlight", {}).get("text")
    return " … ".join(fragments) if fragments else None


def _search_hits(hits: Sequence[Mapping[str, Any]], matched_by: MatchedBy) -> list[SearchHit]:
    """Search hits as SearchHits; k-NN scores become cosine similarities."""
    return [
        SearchHit(
            chunk=_chunk(hit["_source"]),
            score=(_cosine if matched_by == "knn" else float)(hit.get("_score") or 0.0),
            matched_by=[matched_by],
            snippet=_snippet(hit),
        )
        for hit in hits
    ]


class OpenSearchIndex:
    def __init__(
        self,
        client: OpenSearch,
        index: str = "gluekb-chunks",
        *,
        dimension: int = 384,
        writer: bool = False,
        hnsw: HnswParameters | None = None,
        shards: int = 1,
        replicas: int = 1,
        exact_search_threshold: int = 10_000,
        max_retries: int = 5,
        backoff_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.index = index
        self.sources_index = f"{index}-sources"
        self.generations_index = f"{index}-generations"
        self._dimension = dimension
        self._writer = writer
        self._index_options: dict[str, Any] = {
            "hnsw": hnsw or HnswParameters(),
            "shards": shards,
            "replicas": replicas,
            "exact_search_threshold": exact_search_threshold,
        }
        self._max_retries = max_retries
        self._backoff_s = backoff_s
        self._sleep = sleep
        if writer:
            self.ensure_indices()

    @classmethod
    def from_settings(
        cls, settings: _Search, *, dimension: int = 384, writer: bool = False
    ) -> OpenSearchIndex:
        if not settings.opensearch_url:
            raise ConfigurationError("GLUEKB_OPENSEARCH_URL is not set")
        client = connect(
            settings.opensearch_url, auth=settings.opensearch_auth, region=settings.aws_region
        )
        return cls(client, settings.opensearch_index, dimension=dimension, writer=writer)

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def writer(self) -> bool:
        return self._writer

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------ setup (the writer's)
    def ensure_indices(self) -> None:
        """Create what is missing: the template, the chunks index and the side indices."""
        with self._errors("preparing the indices"):
            template = f"{self.index}-template"
            if not self.client.indices.exists_index_template(name=template):
                self.client.indices.put_index_template(
                    name=template,
                    body=chunks_index_template(self.index, self._dimension, **self._index_options),
                )
            self._create(self.index, chunks_index_body(self._dimension, **self._index_options))
            self._create(self.sources_index, _side_index_body())
            self._create(self.generations_index, _side_index_body())
            mapping = self.client.indices.get_mapping(index=self.index)
        for definition in mapping.values():
            stored = definition["mappings"]["properties"]["embedding"]["dimension"]
            if int(stored) != self._dimension:
                raise ConfigurationError(
                    f"OpenSearch index {self.index} holds {stored}-dimensional vectors, "
                    f"not {self._dimension}"
                )

    def _create(self, name: str, body: Mapping[str, Any]) -> None:
        if self.client.indices.exists(index=name):
            return
        try:
            self.client.indices.create(index=name, body=body)
        except TransportError as exc:
            if "resource_already_exists_exception" not in str(exc.error):
                raise

    def drop(self) -> None:
        """Delete the indices and the template (tests, or before rebuilding from scratch)."""
        with self._errors("dropping the indices"):
            for name in (self.index, self.sources_index, self.generations_index):
                self.client.indices.delete(index=name, params={"ignore_unavailable": "true"})
            template = f"{self.index}-template"
            if self.client.indices.exists_index_template(name=template):
                self.client.indices.delete_index_template(name=template)

    # ------------------------------------------------------------ errors
    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except ConnectionError as exc:
            raise DependencyUnavailable(f"OpenSearch is unreachable ({action})") from exc
        except TransportError as exc:
            if isinstance(exc.status_code, int) and exc.status_code in RETRYABLE:
                raise DependencyUnavailable(f"OpenSearch is overloaded ({action})") from exc
            raise GluekbError(f"OpenSearch refused the request ({action}): {exc.error}") from exc

    # ------------------------------------------------------------ writes
    def write(self, operations: Sequence[IndexOperation]) -> None:
        if not self._writer:
            raise ConfigurationError("this search index was opened for reading (writer=False)")
        prepared = prepare_operations(operations, self._dimension)
        if not prepared:
            return
        touched = {p.organization_id for p in prepared if p.source_hash is not None}
        # Operations apply in order, so the last one per source decides what it holds.
        final = {p.source_id: p for p in prepared}
        source_ids = list(final)
        with self._errors("writing"):
            previous = self._get(self.sources_index, source_ids)
            touched |= {doc["_source"]["organization_id"] for doc in previous.values()}
            keep = {c.chunk_id for p in final.values() for c in p.chunks}
            self._bulk(
                [self._chunk_action(p, i) for p in final.values() for i in range(len(p.chunks))],
                refresh="wait_for",
            )
            held = self._held_chunks(source_ids)
            stale = [cid for cid in held if cid not in keep]
            # (A source record lost to a crash still leaves its chunks' organization.)
            touched |= {held[cid] for cid in stale}
            self._bulk(
                [({"delete": {"_index": self.index, "_id": cid}}, None) for cid in stale],
                refresh="wait_for",
            )
            now = datetime.now(UTC).isoformat()
            self._bulk(
                [
                    (
                        {"index": {"_index": self.sources_index, "_id": p.source_id}},
                        {
                            "organization_id": p.organization_id,
                            "source_hash": p.source_hash,
                            "chunks": len(p.chunks),
                            "updated_at": now,
                        },
                    )
                    if p.source_hash is not None
                    else ({"delete": {"_index": self.sources_index, "_id": p.source_id}}, None)
                    for p in final.values()
                ]
            )
            # The generation changes after the content is searchable: a cache keyed by it
            # never stores stale results under the new key.
            self._bulk(
                [
                    (
                        {"index": {"_index": self.generations_index, "_id": org}},
                        {"organization_id": org, "updated_at": now},
                    )
                    for org in sorted(touched)
                ]
            )

    def _chunk_action(
        self, prepared: PreparedSource, position: int
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        chunk = prepared.chunks[position]
        identifiers = {
            kind.lower(): [normalize_identifier(v) for v in values if normalize_identifier(v)]
            for kind, values in chunk.identifiers.items()
        }
        document = {
            "chunk_id": chunk.chunk_id,
            "source_id": chunk.source_id,
            "organization_id": chunk.organization_id,
            "source_type": chunk.source_type,
            "title": chunk.title,
            "text": chunk.text,
            "url": chunk.url,
            "updated_at": chunk.updated_at.isoformat() if chunk.updated_at else None,
            "position": chunk.position,
            "identifiers": chunk.identifiers,
            "identifier_terms": sorted({f"{k}:{v}" for k, vs in identifiers.items() for v in vs}),
            "identifier_values": sorted({v for vs in identifiers.values() for v in vs}),
            "metadata": chunk.metadata,
            "content_hash": chunk.content_hash,
            "source_hash": prepared.source_hash,
            "embedding": _unit(prepared.embeddings[position].tolist()),
        }
        return {"index": {"_index": self.index, "_id": chunk.chunk_id}}, document

    def _bulk(
        self,
        items: Sequence[tuple[dict[str, Any], dict[str, Any] | None]],
        *,
        refresh: str | None = None,
    ) -> None:
        """Send items in batches; retry the items (or requests) that failed for load."""
        for start in range(0, len(items), BULK_ITEMS):
            pending = list(items[start : start + BULK_ITEMS])
            for attempt in range(self._max_retries + 1):
                body: list[dict[str, Any]] = []
                for action, document in pending:
                    body.append(action)
                    if document is not None:
                        body.append(document)
                params = {"refresh": refresh} if refresh else {}
                try:
                    response = self.client.bulk(body=body, params=params, request_timeout=60)
                except TransportError as exc:
                    if exc.status_code not in RETRYABLE or attempt == self._max_retries:
                        raise
                    self._sleep(self._backoff_s * 2**attempt)
                    continue
                pending = self._failed_items(pending, response)
                if not pending:
                    break
                if attempt == self._max_retries:
                    raise DependencyUnavailable(
                        f"OpenSearch kept refusing {len(pending)} bulk items under load"
                    )
                self._sleep(self._backoff_s * 2**attempt)

    @staticmethod
    def _failed_items(
        sent: Sequence[tuple[dict[str, Any], dict[str, Any] | None]], response: Mapping[str, Any]
    ) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """The items to retry; raises on an item that no retry can fix."""
        if not response.get("errors"):
            return []
        retry = []
        for item, result in zip(sent, response["items"], strict=True):
            operation, outcome = next(iter(result.items()))
            status = int(outcome.get("status", 500))
            if status < 300 or (operation == "delete" and status == 404):
                continue
            if status in RETRYABLE:
                retry.append(item)
                continue
            raise GluekbError(
                f"OpenSearch refused to {operation} {outcome.get('_id')}: "
                f"{outcome.get('error', {}).get('type', status)}"
            )
        return retry

    def _get(self, index: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Realtime multi-get: the documents found, by id."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), PAGE):
            try:
                response = self.client.mget(
                    index=index, body={"ids": list(ids[start : start + PAGE])}
                )
            except NotFoundError:
                return {}
            found.update({doc["_id"]: doc for doc in response["docs"] if doc.get("found")})
        return found

    def _held_chunks(self, source_ids: Sequence[str]) -> dict[str, str]:
        """chunk_id -> organization of every chunk the index holds for these sources."""
        held: dict[str, str] = {}
        for start in range(0, len(source_ids), PAGE):
            body: dict[str, Any] = {
                "size": PAGE,
                "_source": ["organization_id"],
                "query": {"terms": {"source_id": list(source_ids[start : start + PAGE])}},
                "sort": [{"chunk_id": "asc"}],
            }
            while True:
                hits = self._search(body)
                held.update({hit["_id"]: hit["_source"]["organization_id"] for hit in hits})
                if len(hits) < PAGE:
                    break
                body["search_after"] = hits[-1]["sort"]
        return held

    def source_hashes(self, source_ids: Sequence[str]) -> dict[str, str]:
        with self._errors("reading source hashes"):
            found = self._get(self.sources_index, _unique(source_ids))
        return {sid: str(doc["_source"]["source_hash"]) for sid, doc in found.items()}

    def embeddings_by_hash(self, source_id: str) -> dict[str, NDArray[np.float32]]:
        import numpy as np  # the worker's side only

        body = {
            "size": MAX_SOURCE_CHUNKS,
            "_source": ["content_hash", "embedding"],
            "query": {"term": {"source_id": source_id}},
        }
        with self._errors("reading embeddings"):
            hits = self._search(body)
        return {
            str(hit["_source"]["content_hash"]): np.asarray(
                hit["_source"]["embedding"], dtype=np.float32
            )
            for hit in hits
        }

    # ------------------------------------------------------------ reads
    def _search(self, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        try:
            response = self.client.search(index=self.index, body=body)
        except NotFoundError:
            return []  # nothing written yet
        hits: list[dict[str, Any]] = response["hits"]["hits"]
        return hits

    @staticmethod
    def _filters(organizations: Sequence[str], types: Sequence[str] | None) -> list[Any]:
        filters: list[Any] = [{"terms": {"organization_id": _unique(organizations)}}]
        if types is not None:
            filters.append({"terms": {"source_type": _unique(types)}})
        return filters

    @staticmethod
    def _highlight(words: Sequence[str]) -> dict[str, Any]:
        return {
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "encoder": "html",
            "fields": {
                "text": {
                    "type": "unified",
                    "fragment_size": SNIPPET_CHARS,
                    "number_of_fragments": 1,
                    "no_match_size": 0,
                }
            },
            # k-NN hits are highlighted with the words of the question too.
            "highlight_query": {"multi_match": {"query": " ".join(words), "fields": ["text"]}},
        }

    def _bm25_body(
        self,
        words: Sequence[str],
        organizations: Sequence[str],
        types: Sequence[str] | None,
        k: int,
    ) -> dict[str, Any]:
        return {
            "size": k,
            "_source": _SOURCE_EXCLUDES,
            "query": {
                "bool": {
                    "must": [
                        {
                            "multi_match": {
                                "query": " ".join(words),
                                "fields": ["title^2", "text"],
                                "type": "best_fields",
                                "tie_breaker": 0.3,
                                "operator": "or",
                            }
                        }
                    ],
                    "filter": self._filters(organizations, types),
                }
            },
            "highlight": self._highlight(words),
        }

    def _knn_body(
        self,
        vector: Sequence[float],
        organizations: Sequence[str],
        types: Sequence[str] | None,
        k: int,
        words: Sequence[str],
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "size": k,
            "_source": _SOURCE_EXCLUDES,
            "query": {
                "knn": {
                    "embedding": {
                        "vector": _unit(vector),
                        "k": k,
                        "filter": {"bool": {"filter": self._filters(organizations, types)}},
                    }
                }
            },
        }
        if words:
            body["highlight"] = self._highlight(words)
        return body

    def _exact_body(
        self,
        field: str,
        terms: Sequence[str],
        organizations: Sequence[str],
        types: Sequence[str] | None,
        k: int,
    ) -> dict[str, Any]:
        # Each matched value scores 1: most values matched first, like the embedded index.
        return {
            "size": k,
            "_source": _SOURCE_EXCLUDES,
            "track_scores": True,
            "sort": [{"_score": "desc"}, {"chunk_id": "asc"}],
            "query": {
                "bool": {
                    "should": [
                        {"constant_score": {"filter": {"term": {field: term}}}}
                        for term in _unique(terms)
                    ],
                    "minimum_should_match": 1,
                    "filter": self._filters(organizations, types),
                }
            },
        }

    def bm25(
        self,
        query: str,
        organizations: Sequence[str],
        *,
        types: Sequence[str] | None = None,
        k: int = 10,
    ) -> list[SearchHit]:
        words, k = bm25_words(query), _bounded(k)
        if not organizations or types == [] or not words or k == 0:
            return []
        with self._errors("searching"):
            hits = self._search(self._bm25_body(words, organizations, types, k))
        return _search_hits(hits, "bm25")

    def knn(
        self,
        vector: QueryVector,
        organizations: Sequence[str],
        *,
        types: Sequence[str] | None = None,
        k: int = 10,
    ) -> list[SearchHit]:
        values, k = query_vector(vector, self._dimension), _bounded(k)
        if not organizations or types == [] or k == 0:
            return []
        with self._errors("searching"):
            hits = self._search(self._knn_body(values, organizations, types, k, []))
        return _search_hits(hits, "knn")

    def exact(
        self,
        identifiers: Mapping[str, Sequence[str]],
        organizations: Sequence[str],
        *,
        types: Sequence[str] | None = None,
        k: int = 10,
    ) -> list[SearchHit]:
        terms = [
            f"{kind.lower()}:{normalize_identifier(value)}"
            for kind, values in identifiers.items()
            for value in values
            if normalize_identifier(value)
        ]
        k = _bounded(k)
        if not organizations or types == [] or not terms or k == 0:
            return []
        body = self._exact_body("identifier_terms", terms, organizations, types, k)
        with self._errors("searching"):
            hits = self._search(body)
        return _search_hits(hits, "exact")

    def hybrid(
        self,
        query: str,
        vector: LazyQueryVector | None,
        organizations: Sequence[str],
        *,
        types: Sequence[str] | None = None,
        k: int = 10,
    ) -> list[SearchHit]:
        resolved = resolve_vector(vector)  # one _msearch carries all three queries
        values = None if resolved is None else query_vector(resolved, self._dimension)
        words, k = bm25_words(query), _bounded(k)
        if not organizations or types == [] or k == 0:
            return []
        depth = max(k, HYBRID_CANDIDATES)
        candidates = identifier_candidates(query)
        searches: list[tuple[MatchedBy, dict[str, Any]]] = []
        if candidates:
            searches.append(
                (
                    "exact",
                    self._exact_body("identifier_values", candidates, organizations, types, k),
                )
            )
        if words:
            searches.append(("bm25", self._bm25_body(words, organizations, types, depth)))
        if values is not None:
            searches.append(("knn", self._knn_body(values, organizations, types, depth, words)))
        if not searches:
            return []
        body: list[dict[str, Any]] = []
        for _, search in searches:
            body += [{"index": self.index}, search]
        with self._errors("searching"):
            responses = self.client.msearch(body=body)["responses"]
        results: dict[MatchedBy, list[SearchHit]] = {"exact": [], "bm25": [], "knn": []}
        for (name, _), response in zip(searches, responses, strict=True):
            if "error" in response:
                if response["error"].get("type") == "index_not_found_exception":
                    return []
                raise GluekbError(f"OpenSearch refused the {name} search: {response['error']}")
            results[name] = _search_hits(response["hits"]["hits"], name)
        return reciprocal_rank_fusion(results["exact"], [results["bm25"], results["knn"]], k)

    def source_chunks(self, source_id: str, organizations: Sequence[str]) -> list[Chunk]:
        if not organizations:
            return []
        body = {
            "size": MAX_SOURCE_CHUNKS,
            "_source": _SOURCE_EXCLUDES,
            "query": {
                "bool": {
                    "filter": [
                        {"term": {"source_id": source_id}},
                        *self._filters(organizations, None),
                    ]
                }
            },
            "sort": [{"position": "asc"}, {"chunk_id": "asc"}],
        }
        with self._errors("reading a source"):
            hits = self._search(body)
        return [_chunk(hit["_source"]) for hit in hits]

    def count(self, organizations: Sequence[str] | None = None) -> int:
        if organizations is not None and not organizations:
            return 0
        query: dict[str, Any] = (
            {"match_all": {}}
            if organizations is None
            else {"bool": {"filter": self._filters(organizations, None)}}
        )
        with self._errors("counting"):
            try:
                response = self.client.count(index=self.index, body={"query": query})
            except NotFoundError:
                return 0
        return int(response["count"])

    def generation(self, organizations: Sequence[str]) -> dict[str, int]:
        generations = dict.fromkeys(organizations, 0)
        if not generations:
            return {}
        with self._errors("reading generations"):
            found = self._get(self.generations_index, list(generations))
        generations.update({org: int(doc["_version"]) for org, doc in found.items()})
        return generations
