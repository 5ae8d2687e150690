"""`nlsc serve`: Oxigraph's read-only server behind a proxy that adds the limits it
lacks (server), and the query page at / (page, with its templates).
"""
