"""The query semantics both search backends share (gluekb.adapters.search_index)."""

from __future__ import annotations

from gluekb.adapters.index_semantics import (
    MAX_QUERY_TERMS,
    MatchedBy,
    bm25_words,
    identifier_candidates,
    query_words,
    reciprocal_rank_fusion,
)
from gluekb.models.index import Chunk, SearchHit


def hit(chunk_id: str, matched_by: MatchedBy, snippet: str | None = None) -> SearchHit:
    chunk = Chunk(
        chunk_id=chunk_id,
        source_id=chunk_id.split("#")[0],
        organization_id="acme",
        source_type="document",
        title="t",
        text="x",
        content_hash="h",
    )
    return SearchHit(chunk=chunk, score=1.0, matched_by=[matched_by], snippet=snippet)


def test_a_query_is_words_without_control_characters_and_bounded() -> None:
    assert query_words("reset\x00 the\tVPN  vpn\x1b") == ["reset", "the", "VPN", "vpn"]
    assert len(query_words(" ".join(f"w{i}" for i in range(100)))) == MAX_QUERY_TERMS
    assert query_words("   ") == []


def test_bm25_ignores_stop_words_unless_nothing_else_is_left() -> None:
    assert bm25_words("how to reset the vpn") == ["how", "reset", "vpn"]
    assert bm25_words("to be or not to be") == ["to", "be", "or", "not"]


def test_identifier_candidates_are_query_words_trimmed_and_lowercased() -> None:
    assert identifier_candidates("What is on 10.0.0.5? (DC01.corp.local), ip:10.0.0.6") == [
        "what",
        "10.0.0.5",
        "dc01.corp.local",
        "ip:10.0.0.6",
        "10.0.0.6",
    ]
    assert identifier_candidates('"" ( ) a') == []


def test_fusion_puts_exact_hits_first_then_ranks_by_reciprocal_rank() -> None:
    # Given an identifier hit found nowhere else, and two rankings that agree on "both"
    exact = [hit("ident#0", "exact")]
    bm25 = [hit("top#0", "bm25", "<mark>top</mark>"), hit("both#0", "bm25", "<mark>b</mark>")]
    knn = [hit("both#0", "knn"), hit("near#0", "knn")]

    # When they are fused
    fused = reciprocal_rank_fusion(exact, [bm25, knn], k=3)

    # Then the identifier hit leads, agreement beats one first place, k caps the list
    assert [h.chunk.chunk_id for h in fused] == ["ident#0", "both#0", "top#0"]
    assert fused[0].matched_by == ["exact"] and fused[0].score >= 1 > fused[1].score
    assert fused[1].matched_by == ["bm25", "knn"]
    assert fused[1].score == 1 / 62 + 1 / 61
    assert fused[1].snippet == "<mark>b</mark>"


def test_fusion_of_one_ranking_keeps_its_order() -> None:
    ranking = [hit(f"c{i}#0", "bm25") for i in range(5)]
    fused = reciprocal_rank_fusion([], [ranking, []], k=10)
    assert [h.chunk.chunk_id for h in fused] == [h.chunk.chunk_id for h in ranking]


def test_a_hit_found_by_meaning_alone_shows_its_opening_words_escaped() -> None:
    from gluekb.services.query.search import OPENING_CHARS, opening

    # A short chunk: whole, whitespace folded, markup escaped (snippets are HTML)
    assert opening("Edge <b>firewall</b>\n\nfor  Chicago") == (
        "Edge &lt;b&gt;firewall&lt;/b&gt; for Chicago"
    )
    # A long one: cut at a word before the limit, and says so
    long = opening("word " * 100)
    assert long.endswith(" …") and len(long) <= OPENING_CHARS + 2
    assert long.removesuffix(" …").split(" ") == ["word"] * (len(long) // 5)
