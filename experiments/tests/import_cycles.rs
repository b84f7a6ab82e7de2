//! No import cycle between the files of either crate: the library (`crates/burn-init/src`)
//! and the experiments (`experiments/src`). Each crate's layers are meant to be read bottom to
//! top; a cycle means two files that can only be understood together.
//!
//! An edge `a → b` means file `a` names an item of file `b`: a `crate::…` or `super::…` path
//! (in a `use` or anywhere in the code, with `use` groups expanded), or a path through a module
//! that `a` imported by name or declares as a child (`b::item`). A name the crate root imports
//! or re-exports (`crate::Init`) counts as the module it comes from. Inline
//! `#[cfg(test)] mod … { … }` blocks are modules of their own that nothing depends on, and are
//! left out; the root's own `mod` and `use` lines declare the tree and do not count. A scan of
//! tokens, not a compiler: a path built by a macro, or a glob import, is not seen.
//!
//! `cargo test --release --workspace --test import_cycles -- --nocapture` also prints each
//! crate's top-level modules from the bottom layer up.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A module file, as its path below the crate root (`[]` is `lib.rs`).
type Module = Vec<String>;

/// A token of Rust source: an identifier (keywords included) or one punctuation character
/// (`::` is one token). Comments, strings, characters and lifetimes are dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    Path,
    Punct(char),
}

fn tokens(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let rest = |k: usize| c.get(i + k).copied().unwrap_or(' ');
        match c[i] {
            '/' if rest(1) == '/' => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if rest(1) == '*' => {
                let mut depth = 0;
                loop {
                    if i + 1 >= c.len() {
                        i = c.len();
                        break;
                    }
                    if c[i] == '/' && c[i + 1] == '*' {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && c[i + 1] == '/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            'r' if rest(1) == '#' || rest(1) == '"' => {
                // A raw string r#"…"# (or a raw identifier r#name).
                let hashes = (1..).take_while(|&k| rest(k) == '#').count();
                if rest(1 + hashes) != '"' {
                    i += 1 + hashes;
                    continue;
                }
                i += 2 + hashes;
                while i < c.len() {
                    if c[i] == '"' && (1..=hashes).all(|k| c.get(i + k) == Some(&'#')) {
                        i += 1 + hashes;
                        break;
                    }
                    i += 1;
                }
            }
            '"' => {
                i += 1;
                while i < c.len() && c[i] != '"' {
                    i += if c[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
            }
            '\'' => {
                // A character literal ('x', '\n', '\u{1F}') or a lifetime ('a).
                if rest(1) == '\\' {
                    i += 2;
                    while i < c.len() && c[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if rest(2) == '\'' {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            ':' if rest(1) == ':' => {
                out.push(Token::Path);
                i += 2;
            }
            ch if ch.is_alphanumeric() || ch == '_' => {
                let start = i;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                out.push(Token::Ident(c[start..i].iter().collect()));
            }
            ch if ch.is_whitespace() => i += 1,
            ch => {
                out.push(Token::Punct(ch));
                i += 1;
            }
        }
    }
    out
}

fn is_ident(t: Option<&Token>, name: &str) -> bool {
    matches!(t, Some(Token::Ident(s)) if s == name)
}

/// The index just past the `}` that closes the `{` at `open`.
fn close_brace(t: &[Token], open: usize) -> usize {
    let mut depth = 0;
    for (k, tok) in t.iter().enumerate().skip(open) {
        match tok {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                depth -= 1;
                if depth == 0 {
                    return k + 1;
                }
            }
            _ => {}
        }
    }
    t.len()
}

/// The tokens without inline `#[cfg(test)] mod name { … }` blocks.
fn without_test_modules(t: Vec<Token>) -> Vec<Token> {
    let attr: Vec<Token> = tokens("#[cfg(test)] mod");
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        let open = i + attr.len() + 1;
        if t[i..].starts_with(&attr) && t.get(open) == Some(&Token::Punct('{')) {
            i = close_brace(&t, open);
        } else {
            out.push(t[i].clone());
            i += 1;
        }
    }
    out
}

/// The root without its `mod …;` and `use …;` items (they declare the tree).
fn without_declarations(t: Vec<Token>) -> Vec<Token> {
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        let mut k = i;
        if is_ident(t.get(k), "pub") {
            k += 1;
            if t.get(k) == Some(&Token::Punct('(')) {
                while k < t.len() && t[k] != Token::Punct(')') {
                    k += 1;
                }
                k += 1;
            }
        }
        let statement = is_ident(t.get(k), "use")
            || (is_ident(t.get(k), "mod") && t.get(k + 2) == Some(&Token::Punct(';')));
        if statement {
            while i < t.len() && t[i] != Token::Punct(';') {
                i += 1;
            }
        } else {
            out.push(t[i].clone());
        }
        i += 1;
    }
    out
}

/// Every path in `t` that does not continue another (`a::b::c`, not its `b::c`), `use`
/// groups expanded (`a::{b, c::{d}}` → `a::b`, `a::c::d`), each with the name it binds (its
/// last segment, or the `as` rename).
fn paths(t: &[Token]) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        let continues = i > 0 && t[i - 1] == Token::Path;
        if matches!(t[i], Token::Ident(_)) && !continues {
            i = path_tree(t, i, &[], &mut out);
        } else {
            i += 1;
        }
    }
    out
}

/// Reads the path tree at `i` below `prefix` into `out`; returns the index after it.
fn path_tree(
    t: &[Token],
    mut i: usize,
    prefix: &[String],
    out: &mut Vec<(Vec<String>, String)>,
) -> usize {
    let mut path = prefix.to_vec();
    while let Some(Token::Ident(s)) = t.get(i) {
        path.push(s.clone());
        i += 1;
        if t.get(i) != Some(&Token::Path) {
            break;
        }
        i += 1;
        if t.get(i) == Some(&Token::Punct('{')) {
            let end = close_brace(t, i) - 1;
            i += 1;
            while i < end {
                i = path_tree(t, i, &path, out);
                while i < end && t[i] != Token::Punct(',') {
                    i += 1;
                }
                i += 1;
            }
            return end + 1;
        }
    }
    let mut name = path.last().cloned().unwrap_or_default();
    if let (true, Some(Token::Ident(rename))) = (is_ident(t.get(i), "as"), t.get(i + 1)) {
        name = rename.clone();
    }
    if path.len() > prefix.len() {
        out.push((path, name));
    }
    i
}

/// A crate's module files and the file-to-file edges between them.
struct Graph {
    edges: BTreeMap<Module, BTreeSet<Module>>,
}

impl Graph {
    /// The edges of the crate whose files (module path → source) are `files`.
    fn new(files: &BTreeMap<Module, String>) -> Self {
        let known: BTreeSet<&Module> = files.keys().collect();
        // The file a path lands in: its longest prefix that is a module file (else the root).
        let file_of = |p: &[String]| -> Module {
            (0..=p.len())
                .rev()
                .map(|k| p[..k].to_vec())
                .find(|m| known.contains(m))
                .unwrap_or_default()
        };
        // Names the root imports or re-exports (`crate::Init` is `init`'s), with their file.
        let mut reexport: BTreeMap<String, Module> = BTreeMap::new();
        if let Some(root) = files.get(&Module::new()) {
            let t = without_test_modules(tokens(root));
            for k in (0..t.len()).filter(|&k| is_ident(t.get(k), "use")) {
                let end = (k..t.len())
                    .find(|&j| t[j] == Token::Punct(';'))
                    .unwrap_or(t.len());
                for (path, name) in paths(&t[k + 1..end]) {
                    let from: Vec<String> = path[..path.len() - 1]
                        .iter()
                        .filter(|s| *s != "crate" && *s != "self")
                        .cloned()
                        .collect();
                    let file = file_of(&from);
                    if !file.is_empty() {
                        reexport.insert(name, file);
                    }
                }
            }
        }
        let resolve = |p: &[String]| -> Module {
            let mut p: Vec<String> = p.iter().filter(|s| *s != "self").cloned().collect();
            let first_is_module = p.first().is_some_and(|f| known.contains(&vec![f.clone()]));
            if let Some(m) = p
                .first()
                .and_then(|f| reexport.get(f))
                .filter(|_| !first_is_module)
            {
                p = m.iter().chain(&p[1..]).cloned().collect();
            }
            file_of(&p)
        };
        let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for (module, src) in files {
            let mut t = without_test_modules(tokens(src));
            if module.is_empty() {
                t = without_declarations(t);
            }
            let found = paths(&t);
            // `crate::…` and `super::…` paths, made absolute (not `pub(crate)`, `pub(super)`).
            let absolute: Vec<Vec<String>> = found
                .iter()
                .filter(|(p, _)| p.iter().any(|s| s != "crate" && s != "super"))
                .filter_map(|(p, _)| match p[0].as_str() {
                    "crate" => Some(p[1..].to_vec()),
                    "super" => {
                        let ups = p.iter().take_while(|s| *s == "super").count();
                        let base = &module[..module.len().saturating_sub(ups)];
                        Some(base.iter().chain(&p[ups..]).cloned().collect())
                    }
                    _ => None,
                })
                .collect();
            // Modules reachable by a short name: those imported whole, and the children.
            let mut alias: BTreeMap<String, Module> = BTreeMap::new();
            for p in &absolute {
                let full: Module = p.iter().filter(|s| *s != "self").cloned().collect();
                if !full.is_empty() && known.contains(&full) {
                    alias.insert(full[full.len() - 1].clone(), full);
                }
            }
            for child in known
                .iter()
                .filter(|k| k.len() == module.len() + 1 && k.starts_with(module))
            {
                alias
                    .entry(child[child.len() - 1].clone())
                    .or_insert_with(|| (*child).clone());
            }
            let through_alias = found.iter().filter_map(|(p, _)| {
                let m = alias.get(&p[0]).filter(|_| p.len() > 1)?;
                Some(m.iter().chain(&p[1..]).cloned().collect::<Vec<_>>())
            });
            for target in absolute
                .iter()
                .cloned()
                .chain(through_alias)
                .map(|p| resolve(&p))
            {
                if &target != module {
                    edges.entry(module.clone()).or_default().insert(target);
                }
            }
        }
        Self { edges }
    }

    /// The import cycles: strongly connected components of more than one file (Tarjan).
    fn cycles(&self) -> Vec<Vec<Module>> {
        struct Tarjan<'a> {
            edges: &'a BTreeMap<Module, BTreeSet<Module>>,
            index: BTreeMap<&'a Module, (usize, usize)>,
            stack: Vec<&'a Module>,
            components: Vec<Vec<Module>>,
        }
        impl<'a> Tarjan<'a> {
            fn visit(&mut self, v: &'a Module) {
                let n = self.index.len();
                self.index.insert(v, (n, n));
                self.stack.push(v);
                for w in self.edges.get(v).into_iter().flatten() {
                    let low = match self.index.get(w) {
                        None => {
                            self.visit(w);
                            self.index[w].1
                        }
                        Some(&(i, _)) if self.stack.contains(&w) => i,
                        Some(_) => continue,
                    };
                    let entry = self.index.get_mut(v).expect("visited");
                    entry.1 = entry.1.min(low);
                }
                let (i, low) = self.index[v];
                if i == low {
                    let at = self
                        .stack
                        .iter()
                        .rposition(|m| *m == v)
                        .expect("on the stack");
                    let mut component: Vec<Module> = self.stack.drain(at..).cloned().collect();
                    component.sort();
                    self.components.push(component);
                }
            }
        }
        let mut tarjan = Tarjan {
            edges: &self.edges,
            index: BTreeMap::new(),
            stack: Vec::new(),
            components: Vec::new(),
        };
        for v in self.edges.keys() {
            if !tarjan.index.contains_key(v) {
                tarjan.visit(v);
            }
        }
        tarjan.components.retain(|c| c.len() > 1);
        tarjan.components
    }

    /// The top-level modules (`<root>` for the crate root), bottom to top: each after every
    /// module it uses.
    fn layers(&self) -> Vec<String> {
        let top = |m: &Module| m.first().cloned().unwrap_or_else(|| "<root>".into());
        let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, bs) in &self.edges {
            for b in bs {
                if top(a) != top(b) {
                    uses.entry(top(a)).or_default().insert(top(b));
                }
            }
        }
        fn visit(
            v: &str,
            uses: &BTreeMap<String, BTreeSet<String>>,
            seen: &mut BTreeSet<String>,
            order: &mut Vec<String>,
        ) {
            if !seen.insert(v.to_string()) {
                return;
            }
            for w in uses.get(v).into_iter().flatten() {
                visit(w, uses, seen, order);
            }
            order.push(v.to_string());
        }
        let (mut seen, mut order) = (BTreeSet::new(), Vec::new());
        let all: BTreeSet<String> = uses
            .keys()
            .chain(uses.values().flatten())
            .cloned()
            .collect();
        for v in &all {
            visit(v, &uses, &mut seen, &mut order);
        }
        order
    }
}

/// The module files of the crate whose sources are in `src` (`main.rs` beside a `lib.rs` is a
/// crate of its own, and is left out).
fn read_crate(src: &Path) -> BTreeMap<Module, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("a readable source folder") {
            let path = entry.expect("a readable entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(src, &mut found);
    let has_lib = src.join("lib.rs").is_file();
    let mut files = BTreeMap::new();
    for path in found {
        let rel = path
            .strip_prefix(src)
            .expect("below src")
            .with_extension("");
        let mut module: Module = rel
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        if module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
        match module.as_slice() {
            [m] if m == "main" && has_lib => continue,
            [m] if m == "lib" || m == "main" => module.clear(),
            _ => {}
        }
        files.insert(
            module,
            fs::read_to_string(&path).expect("a readable source file"),
        );
    }
    files
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "<root>".into()
    } else {
        m.join("::")
    }
}

/// Checks the crate at `src` (relative to the workspace root) and prints its layers.
fn no_cycle_in(src: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(src);
    let files = read_crate(&root);
    assert!(files.len() > 10, "{src}: only {} files read", files.len());
    let graph = Graph::new(&files);
    let edges: usize = graph.edges.values().map(BTreeSet::len).sum();
    println!(
        "{src}: {} module files, {edges} file-to-file edges",
        files.len()
    );
    println!("  bottom to top: {}", graph.layers().join(", "));
    let cycles: Vec<String> = graph
        .cycles()
        .iter()
        .map(|c| c.iter().map(name).collect::<Vec<_>>().join(" <-> "))
        .collect();
    assert!(
        cycles.is_empty(),
        "{src}: import cycles:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn library_has_no_import_cycle() {
    no_cycle_in("crates/burn-init/src");
}

#[test]
fn experiments_have_no_import_cycle() {
    no_cycle_in("experiments/src");
}

/// The scan finds a cycle through each kind of reference, and nothing in comments, strings or
/// test modules.
#[test]
fn a_cycle_is_found() {
    let files: BTreeMap<Module, String> = [
        (
            vec![],
            "mod a;\nmod b;\nmod c;\nmod d;\npub use a::{Alpha, Other as Renamed};\n",
        ),
        (
            vec!["a".to_string()],
            "use crate::b::{self, Beta};\n// crate::d::X\nconst S: &str = \"crate::d::X\";\n\
             pub struct Alpha;\n#[cfg(test)]\nmod tests { use crate::d::X; }\n",
        ),
        // Through a root re-export: b -> a.
        (
            vec!["b".to_string()],
            "pub struct Beta;\nfn f() -> crate::Renamed { todo!() }\n",
        ),
        // Through an imported module's name: c -> a; and a super path: c -> d.
        (
            vec!["c".to_string()],
            "use super::a;\nfn g() { a::Alpha; super::d::X; }\n",
        ),
        (
            vec!["d".to_string()],
            "pub struct X;\nfn h(_: &'static str, _: char) { let _ = 'c'; }\n",
        ),
    ]
    .into_iter()
    .map(|(m, s)| (m, s.to_string()))
    .collect();
    let graph = Graph::new(&files);
    let m = |s: &str| vec![s.to_string()];
    assert_eq!(graph.edges[&m("a")], BTreeSet::from([m("b")]));
    assert_eq!(graph.edges[&m("b")], BTreeSet::from([m("a")]));
    assert_eq!(graph.edges[&m("c")], BTreeSet::from([m("a"), m("d")]));
    assert!(!graph.edges.contains_key(&m("d")));
    assert!(
        !graph.edges.contains_key(&vec![]),
        "the root's declarations are not edges"
    );
    assert_eq!(graph.cycles(), vec![vec![m("a"), m("b")]]);
    // c uses a and d, so it sits above both.
    let layers = graph.layers();
    let at = |m: &str| layers.iter().position(|l| l == m).expect("listed");
    assert!(at("c") > at("a") && at("c") > at("d"), "{layers:?}");
}
