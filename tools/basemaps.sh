#!/bin/sh
# Makes the map's two basemaps (publish/charts/basemaps/) from the maintained TopoJSON atlases on
# npm, simplified for a page (a 720 px map needs a tenth of the 1:10m atlas's points) and merged
# into land plus one mesh of inner borders (so a shared border is drawn once, not twice):
#   us.json     us-atlas 3.0.1 states-10m  (US Census Bureau boundaries): objects nation, borders
#   world.json  world-atlas 2.0.2 countries-110m (Natural Earth): objects land, borders
# Both atlases are ISC-licensed (Mike Bostock); their data is in the public domain. Run from the
# repository's root with npm on the PATH; the output is committed, so a build needs no npm.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=publish/charts/basemaps
(cd "$work" && npm pack --silent us-atlas@3.0.1 world-atlas@2.0.2 >/dev/null \
  && tar xzf us-atlas-3.0.1.tgz && mv package us && tar xzf world-atlas-2.0.2.tgz && mv package world \
  && npm install --silent --no-save --prefix tools topojson-simplify@3.0.3 topojson-client@3.1.0 >/dev/null)
bin="$work/tools/node_modules/.bin"
keep() {  # keep only the named objects of a topology on stdin
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const t=JSON.parse(s),k=process.argv.slice(1);
    for(const o of Object.keys(t.objects))if(!k.includes(o))delete t.objects[o];process.stdout.write(JSON.stringify(t)+"\n")})' "$@"
}
"$bin/toposimplify" -f -S 0.1 < "$work/us/states-10m.json" | "$bin/topomerge" -k '"nation"' nation=states \
  | "$bin/topomerge" --mesh -f 'a !== b' borders=states | keep nation borders > "$out/us.json"
"$bin/toposimplify" -f -S 0.2 < "$work/world/countries-110m.json" | "$bin/topomerge" -k '"land"' land=countries \
  | "$bin/topomerge" --mesh -f 'a !== b' borders=countries | keep land borders > "$out/world.json"
cp "$work/us/LICENSE" "$out/LICENSE"
