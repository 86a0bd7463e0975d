"""Charts of the archive's shape: the chronology of harm and response, an institution's
reckoning, and the collection at a glance.

- `data`: each chart's numbers as typed plain data, made from public views only (the pages',
  the downloads' and the API's one source);
- `tables`: each chart's data as a table (the page's accessible table and the CSV download);
- `specs`: each chart as a Vega-Lite specification, at a desktop and a phone width;
- `svg`: the specifications drawn as static SVG at build time (vl-convert), so a chart needs
  no script to show its data and works on any static host.
"""
