"""`nlsc source`: the dataset against its source page (`check`: page.py reads a copy,
align.py aligns the passages with it, dataset.py reads them from the graph, report.py prints)."""
