"""Status reports: `build` computes one plain-data model; one renderer per format reads only it."""
