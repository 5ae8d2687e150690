"""SPARQL: the bundled queries and the embedded store they run on (query), the rule
that refuses remote operations (policy, shared by `nlsc query` and `nlsc serve`), and
a remote store reached over the SPARQL and Graph Store protocols (remote_store).
"""
