"""`nlsc build`'s stages, in the order `pipeline.build` runs them.

sources (the load stage: the Turtle parsed into the named graphs), check (what
SHACL cannot say), reason (the OWL 2 RL closure), validate (SHACL, and the check
queries of check_queries), serialise (the distributions, written with rdfwrite
and jsonld), tables (CSV and their data package), describe (the DCAT/VoID
description), the site (nlsc.site, a package of its own), publish (checksums,
build notes, the swap into dist/).
"""
