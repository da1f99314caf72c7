"""Reading questions and records the way technicians write them: terms, typos, intents, the
kinds of things they name, the fields they ask for, and which records a question names. Shared
by the answer engine (`answers`) and the search reranker (`rerank`)."""
