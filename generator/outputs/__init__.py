"""Files the site publishes besides pages.

Two kinds, both deterministic (sorted keys, no timestamp but the as-of date) and free of
private fields (the model drops them on read; open-data writers drop them too):

- staged before the pages, because the open-data page shows their sizes: the open-data
  package (`open_data.stage`) and the Popolo export (`popolo.stage`); the pipeline puts them
  into the site.
- written after the pages, into the build's temporary folder: each module in OUTPUT_MODULES
  has `write(site, pages, out_dir) -> list[str]` (relative paths written, sorted). A failure
  fails the whole build and leaves the published site untouched.

A module that sets TABLES_ONLY reads only the tables (never a report body, never the pages):
given the build's key of the data (bodies aside), code and options, write_all links its files
from the store while that key is unchanged, so an edit to one report does not write them again.

The list of modules and `write_all` are in `registry.py`, not here: a worker that stages the
open data imports this package, and should not pay for importing every output module.
"""
