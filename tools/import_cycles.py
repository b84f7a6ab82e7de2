#!/usr/bin/env python3
"""Import cycles between the files of a Rust crate.

    python3 tools/import_cycles.py crates/burn-init/src [--order] [--debug]

An edge a -> b means file a names an item of file b: `use crate::…`, `crate::…` and `super::…`
paths, and paths through a module imported by name or declared as a child (`b::item`). A name
re-exported at the crate root (`crate::Init`) counts as the module the root re-exports it from;
`#[cfg(test)] mod tests` blocks are modules of their own that nothing depends on, and are left
out; `main.rs` beside a `lib.rs` is another crate. Prints the cycles (strongly connected
components of more than one file) and the edges between top-level modules (`--order`: also a
bottom-to-top order of them); exits 1 when there is a cycle. A text scan, not a compiler: a
macro that builds paths, or a glob import, is not seen."""
import os, re, sys
from collections import defaultdict

args = [a for a in sys.argv[1:] if not a.startswith("--")]
root = args[0]  # .../src
DEBUG = "--debug" in sys.argv
files = {}
for d, _, fs in os.walk(root):
    for f in fs:
        if f.endswith('.rs'):
            p = os.path.join(d, f)
            rel = os.path.relpath(p, root)[:-3]
            parts = rel.split(os.sep)
            if parts[-1] == 'mod':
                parts = parts[:-1]
            if parts == ['main'] and os.path.exists(os.path.join(root, 'lib.rs')):
                continue  # the binary is a crate of its own
            if parts in (['lib'], ['main']):
                parts = []
            files[tuple(parts)] = p

def strip_comments(s):
    s = re.sub(r'//[^\n]*', '', s)
    s = re.sub(r'/\*.*?\*/', '', s, flags=re.S)
    # `#[cfg(test)] mod tests { … }` is a module of its own (a leaf nothing depends on): left out
    m = re.search(r'#\[cfg\(test\)\]\s*mod\s+\w+\s*\{', s)
    if m:
        depth, i = 1, m.end()
        while depth and i < len(s):
            depth += {'{': 1, '}': -1}.get(s[i], 0); i += 1
        s = s[:m.start()] + s[i:]
    return s

def expand(prefix, body):
    """Expand `a::{b, c::{d}}` groups into paths."""
    out, depth, cur = [], 0, ''
    items = []
    for ch in body:
        if ch == '{': depth += 1
        if ch == '}': depth -= 1
        if ch == ',' and depth == 0:
            items.append(cur); cur = ''
        else:
            cur += ch
    items.append(cur)
    for it in items:
        it = it.strip()
        if not it: continue
        m = re.match(r'^([\w:]*?)::\{(.*)\}$', it, re.S)
        if m:
            out += expand(prefix + [x for x in m.group(1).split('::') if x], m.group(2))
        else:
            out.append(prefix + [x for x in re.split(r'\s+as\s+', it)[0].split('::') if x])
    return out

def refs(mod, text):
    text = strip_comments(text)
    paths = []
    for m in re.finditer(r'\buse\s+((?:crate|super|self)(?:::\w+)*)::\{', text):
        start = m.end(); depth = 1; i = start
        while depth and i < len(text):
            depth += {'{': 1, '}': -1}.get(text[i], 0); i += 1
        base = m.group(1).split('::')
        paths += expand(base, text[start:i - 1])
    for m in re.finditer(r'\b((?:crate|super)(?:::\w+)+)', text):
        paths.append(m.group(1).split('::'))
    out = []
    for p in paths:
        if p[0] == 'crate':
            out.append(p[1:])
        elif p[0] == 'super':
            base = list(mod)
            # a file `a/b.rs` is module a::b; super is a
            while p and p[0] == 'super':
                base = base[:-1]; p = p[1:]
            out.append(base + p)
    return out

def aliased(mod, text):
    text = strip_comments(text)
    out = []
    mods = {}
    for p in refs(mod, text):
        full = [x for x in p if x != 'self']
        if tuple(full) in files and full:
            mods[full[-1]] = full
    # `mod x;` children are reachable as `x::…` too
    for k in files:
        if len(k) == len(mod) + 1 and k[:len(mod)] == mod:
            mods.setdefault(k[-1], list(k))
    for name, full in mods.items():
        for m in re.finditer(r'(?<![\w:])' + re.escape(name) + r'((?:::\w+)+)', text):
            out.append(full + m.group(1).split('::')[1:])
    return out

# root re-exports: name -> module path
reexport = {}
rootfile = files.get(())
if rootfile:
    t = strip_comments(open(rootfile).read())
    for m in re.finditer(r'pub use\s+([\w:]+)::\{([^}]*)\}', t):
        for n in m.group(2).split(','):
            n = n.strip().split(' as ')[-1].strip()
            if n: reexport[n] = m.group(1).split('::')
    for m in re.finditer(r'pub use\s+([\w:]+)::(\w+);', t):
        reexport[m.group(2)] = m.group(1).split('::')

def resolve(p):
    if p and len(p) >= 1 and tuple(p[:1]) not in files and p[0] in reexport:
        p = reexport[p[0]] + p[1:]
    best = ()
    for k in range(len(p), 0, -1):
        if tuple(p[:k]) in files:
            best = tuple(p[:k]); break
    return best

edges = defaultdict(set)
for mod, path in files.items():
    text = open(path).read()
    if mod == ():
        # the root's `mod` and `pub use` lines declare the tree; only its own code counts
        text = re.sub(r'(?m)^\s*(pub(\([^)]*\))?\s+)?(mod\s+\w+\s*;|use\s[^;]*;)', '', strip_comments(text))
    for r in refs(mod, text) + aliased(mod, text):
        t = resolve(r)
        if t == () and DEBUG: print("   root ref from", '::'.join(mod), '::'.join(r))
        if t != mod:
            # a module referring to its own parent's re-export is an edge to the parent file
            edges[mod].add(t)

# Tarjan
index, low, stack, on, comps, n = {}, {}, [], set(), [], [0]
def sc(v):
    index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
    for w in edges[v]:
        if w not in index:
            sc(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        c = []
        while True:
            w = stack.pop(); on.discard(w); c.append(w)
            if w == v: break
        comps.append(c)
sys.setrecursionlimit(10000)
for v in list(files):
    if v not in index: sc(v)
cyc = [c for c in comps if len(c) > 1]
print(f"{root}: {len(files)} module files (the root included), {sum(len(e) for e in edges.values())} file-to-file edges, {len(cyc)} cycles")
for c in cyc:
    print("  cycle:", ' <-> '.join('::'.join(x) or '<root>' for x in c))
# parent/child pairs are not cycles we care about? report them separately
top = defaultdict(set)
for a, bs in edges.items():
    for b in bs:
        ta, tb = (a[:1] or ("<root>",))[0], (b[:1] or ("<root>",))[0]
        if ta != tb: top[ta].add(tb)
print("  top-level module edges:")
for a in sorted(top): print(f"    {a} -> {', '.join(sorted(top[a]))}")
if "--order" in sys.argv:
    # a topological order, bottom first, of the top-level modules
    order, seen = [], set()
    def visit(v):
        if v in seen: return
        seen.add(v)
        for w in sorted(top.get(v, ())): visit(w)
        order.append(v)
    for v in sorted(top) + sorted({b for bs in top.values() for b in bs}): visit(v)
    print("  bottom to top:", ", ".join(order))
sys.exit(1 if cyc else 0)
