"""Helpers the test modules share: plain functions and constants, one module per concept.

Fixtures live in tests/conftest.py (pytest finds them there; a fixture imported into a test
module would be built again for that module). Test modules import from here, never from one
another: tests/test_test_layout.py fails if one does.

- `archives`: where the sample and the minimal content live, settings for a home, building and
  copying an archive, and what the minimal archive hides;
- `content`: changes to a content folder (generated records, edits, attached files);
- `sites`: comparing built sites file by file;
- `servers`: the `reckon` command, a live uvicorn server, `reckon serve` in its own process;
- `staff`: staff accounts, sign-in, CSRF tokens and the submission form;
- `browser`: headless Chromium (Playwright) and axe-core;
- `oai`: the OAI-PMH schemas read offline and schema-checked requests;
- `search_corpus`: the known-answer search corpus (the sample plus three dated records);
- `sample`: reading the sample's narratives and the words only hidden ones use.
"""
