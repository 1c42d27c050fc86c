// Reads a V8 heap snapshot (Chromium DevTools or Node) into what each kind of object holds, and
// into the three parts a page's memory is made of: the page's own JavaScript objects, the code V8
// compiled for it (bytecode, baseline and optimised machine code and their metadata: node type
// `code`) and the browser's native objects (DOM, layout, text shaping: node type `native`). Used
// by scripts/heapdiff.mjs and by bench:soak, which reports the page's heap growth by part.

/** @param {string} text a .heapsnapshot file's contents */
export function summariseSnapshot(text) {
  const snap = JSON.parse(text);
  const { node_fields: fields, node_types: [types] } = snap.snapshot.meta;
  const nf = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const byKey = new Map();
  const parts = { objects: 0, code: 0, native: 0 };
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += nf) {
    const type = types[snap.nodes[i + iType]];
    let name = snap.strings[snap.nodes[i + iName]];
    // Strings and numbers are keyed by kind only: their names are their contents. Code keeps its
    // name (InstructionStream, BytecodeArray, …): that is what tells JIT tiers apart.
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number') name = '';
    else name = name.replace(/\d+/g, 'N').slice(0, 80);
    const key = `${type}:${name}`;
    const size = snap.nodes[i + iSize];
    total += size;
    if (type === 'code') parts.code += size;
    else if (type === 'native') parts.native += size;
    else parts.objects += size;
    const e = byKey.get(key) ?? { count: 0, size: 0 };
    e.count++;
    e.size += size;
    byKey.set(key, e);
  }
  return { byKey, total, parts };
}
