//! The reader's line scan of fences (`src/docs/fences.rs`) against
//! pulldown-cmark, which it replaces on the pages it can read (issue #17):
//! on every page of the corpus, the fixtures, and mutated copies of corpus
//! pages (fences indented, quoted, in lists, tildes, missing closes, HTML
//! and comments around them, `\r\n`, tabs), the scan either declines or
//! finds what pulldown-cmark finds, and the whole reading (cases and
//! diagnostics) is the same both ways.
//!
//! The corpus is `$GRAPH_CONTRACT_CORPUS` or `../shared/graph-docs/v1.0/api`;
//! without it the corpus test fails saying so (the fixture and generated
//! rows still run in their own test).

mod support;

use graph_contract::docs::{
    FenceReaders, compare_fence_readers, read_page, read_page_pulldown_only,
};
use std::path::{Path, PathBuf};

fn md_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            md_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
}

/// Both readers on one text: `Ok(true)` when the scan read it, `Ok(false)`
/// when it declined, `Err` naming the first difference.
fn same(name: &str, text: &str) -> Result<bool, String> {
    let fast = match compare_fence_readers(text) {
        FenceReaders::Differ(d) => return Err(format!("{name}: {d}")),
        FenceReaders::Declined => false,
        FenceReaders::Agree(_) => true,
    };
    let a = read_page(name, name, text);
    let b = read_page_pulldown_only(name, name, text);
    if a.0 != b.0 {
        let k = a.0.iter().zip(&b.0).position(|(x, y)| x != y);
        return Err(format!(
            "{name}: the cases differ ({} by the scan, {} by pulldown-cmark; first at {k:?}: {:?} / {:?})",
            a.0.len(),
            b.0.len(),
            k.and_then(|k| a.0.get(k)).map(|c| &c.id),
            k.and_then(|k| b.0.get(k)).map(|c| &c.id),
        ));
    }
    if a.1 != b.1 {
        let k = a.1.iter().zip(&b.1).position(|(x, y)| x != y);
        return Err(format!(
            "{name}: the diagnostics differ: {:?} / {:?}",
            k.and_then(|k| a.1.get(k)),
            k.and_then(|k| b.1.get(k)),
        ));
    }
    Ok(fast)
}

/// A small deterministic generator (no dependency, same rows every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

/// Copies of `text`, each changed where the scan must decline or must still
/// agree: one kind of change per copy, at a line picked by `rng`.
fn mutations(text: &str, rng: &mut Lcg) -> Vec<(&'static str, String)> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let fences: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("```"))
        .collect();
    let comments: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("<!--"))
        .collect();
    let mut out = Vec::new();
    let mut edit = |kind: &'static str, at: &[usize], f: &dyn Fn(&str) -> String| {
        if at.is_empty() {
            return;
        }
        let k = at[rng.next() % at.len()];
        let mut s = String::with_capacity(text.len() + 16);
        for (i, l) in lines.iter().enumerate() {
            if i == k {
                s.push_str(&f(l));
            } else {
                s.push_str(l);
            }
        }
        out.push((kind, s));
    };
    for pad in ["  ", "   ", "    ", "\t", "> ", "- ", "1. ", ">", "> > "] {
        edit("fence-prefixed", &fences, &|l: &str| format!("{pad}{l}"));
    }
    edit("fence-dropped", &fences, &|_| String::new());
    edit("fence-tilde", &fences, &|l: &str| l.replace('`', "~"));
    edit("fence-longer", &fences, &|l: &str| format!("`{l}"));
    edit("fence-trailing", &fences, &|l: &str| {
        format!("{} x\n", l.trim_end())
    });
    edit("fence-entity", &fences, &|l: &str| {
        format!("{}&amp;\n", l.trim_end())
    });
    for before in [
        "<div>\n",
        "<br/>\n",
        "<pre>\n",
        "<!-- open\n",
        "<!-->\n",
        "<?x\n",
        "<!X\n",
        "    <!-- code -->\n",
        "text\n",
        "- item\n",
        "> quote\n",
        "  <!-- a\n",
    ] {
        edit("line-before-fence", &fences, &|l: &str| {
            format!("{before}{l}")
        });
        edit("line-before-comment", &comments, &|l: &str| {
            format!("{before}{l}")
        });
    }
    edit("comment-indented", &comments, &|l: &str| format!("    {l}"));
    edit("comment-quoted", &comments, &|l: &str| format!("> {l}"));
    edit("comment-unclosed", &comments, &|l: &str| {
        l.replace("-->", "")
    });
    out.push(("crlf", text.replace('\n', "\r\n")));
    out.push(("no-last-newline", text.trim_end().to_string()));
    out
}

#[test]
fn the_scan_agrees_with_pulldown_on_every_corpus_page_and_mutation() {
    let dir = support::corpus();
    let mut files = Vec::new();
    md_files(&dir, &mut files);
    let mut errors = Vec::new();
    let (mut scanned, mut declined) = (0, 0);
    let mut mutated = [0usize; 2];
    let mut rng = Lcg(17);
    for (n, p) in files.iter().enumerate() {
        let text = std::fs::read_to_string(p).unwrap();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        match same(&name, &text) {
            Ok(true) => scanned += 1,
            Ok(false) => declined += 1,
            Err(e) => errors.push(e),
        }
        // every 25th page, mutated every way (about 85 pages, 4,000
        // copies: the whole corpus would take minutes in a debug build)
        if n.is_multiple_of(25) {
            for (kind, m) in mutations(&text, &mut rng) {
                match same(&format!("{name} ({kind})"), &m) {
                    Ok(fast) => mutated[fast as usize] += 1,
                    Err(e) => errors.push(e),
                }
            }
        }
    }
    eprintln!(
        "{} pages: {scanned} read by the scan, {declined} left to pulldown-cmark; \
         mutated copies: {} by the scan, {} declined",
        files.len(),
        mutated[1],
        mutated[0]
    );
    assert!(
        errors.is_empty(),
        "{} differences, the first ones:\n{}",
        errors.len(),
        errors[..errors.len().min(20)].join("\n")
    );
    // the scan is the reader for nearly every page: a scan that declined
    // everything would pass the comparison and speed nothing up
    assert!(
        scanned * 100 >= files.len() * 95,
        "the scan read only {scanned} of {} pages",
        files.len()
    );
    assert!(mutated[0] > 0 && mutated[1] > 0, "mutations {mutated:?}");
}

#[test]
fn the_scan_agrees_with_pulldown_on_fixtures_and_generated_pages() {
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut files = Vec::new();
    md_files(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut files,
    );
    for p in &files {
        texts.push((p.display().to_string(), std::fs::read_to_string(p).unwrap()));
    }
    // shapes where the two readers could part: each must agree or decline
    let rows: &[&str] = &[
        "```http\nGET /\n```\n",
        "```http\nGET /\n",
        "```http",
        "```\n```\n```\n",
        "````\n```\n````\n",
        "~~~\n```\n~~~\n",
        "```\n~~~\n```\n",
        "``` \nx\n``` \t \n",
        "```\nx\n```x\n```\n",
        "<!-- a -->\n```\nx\n```\n",
        "<!-- a\n-->```\n",
        "<!-- a\nb\n--> tail\n```\nx\n```\n",
        "<!-- a --> <!-- b\n```\n-->\n",
        "x <!-- a\n```\nb -->\n```\n",
        "<div>\n\n```\nx\n```\n",
        "<a href=\"x\">\n```\nx\n```\n",
        "para\n<span>\n<!-- a\n\n```\nx\n```\n-->\n",
        "- item\n```\nx\n```\n",
        "- item\n  <!-- a\n```\nx\n```\n-->\n",
        "> quote\n```\nx\n```\n",
        "    code <!-- a\n\n<!-- { \"blockType\": \"request\" } -->\n```http\nGET /\n```\n",
        "<!-- { \"blockType\": \"request\" } -->\n##### Request\n```http\nGET /me\n```\n",
        "```http\nGET /\n```\n\u{a0}```\n",
        "é```\n```é\nx\n```\n",
        "\n\n\n```\n\n\n```\n\n",
    ];
    for (k, r) in rows.iter().enumerate() {
        texts.push((format!("row {k}"), (*r).to_string()));
    }
    let mut errors = Vec::new();
    let mut scanned = 0;
    for (name, text) in &texts {
        match same(name, text) {
            Ok(fast) => scanned += fast as usize,
            Err(e) => errors.push(e),
        }
    }
    eprintln!("{} pages, {scanned} read by the scan", texts.len());
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(scanned > texts.len() / 2, "only {scanned} read by the scan");
}

/// Pages of random lines drawn from the shapes that matter to fences and
/// comments (markers of both kinds and lengths, at every indentation, in
/// quotes and lists; comment starts and ends; HTML lines; blank lines,
/// prose, tabs, indented code): both readers on each.
#[test]
fn the_scan_agrees_with_pulldown_on_random_line_soups() {
    const PARTS: &[&str] = &[
        "```",
        "````",
        "~~~",
        "~~~~",
        "```http",
        "``` json x",
        "```a`b",
        "~~~ a`b",
        "```\t",
        "``` ",
        "  ```",
        "   ```",
        "    ```",
        "\t```",
        "> ```",
        "- ```",
        "1. ```",
        "<!--",
        "<!-- a -->",
        "<!-- { \"blockType\": \"request\" } -->",
        "-->",
        "x -->",
        "  <!--",
        "    <!-- b",
        "<!-->",
        "<!--->",
        "<div>",
        "</div>",
        "<span>",
        "<pre>",
        "<br/>",
        "<?x",
        "<!X",
        "",
        "",
        "",
        " ",
        "\t",
        "text",
        "## Heading",
        "- item",
        "  continued",
        "> quote",
        ">",
        "    code",
        "GET /me",
        "HTTP/1.1 200 OK",
        "{",
        "}",
        "é ``` ü",
        "x <!-- y",
        "`inline`",
        "- <!--",
        "> <!--",
        "1. <!-- a",
        "- <div>",
        "> <div>",
        "1. <pre>",
        "* x",
        "+ <span>",
        "2) <!-- a -->",
        "-->```",
    ];
    // READER_SOUP_SEED, _PAGES and _LINES explore further than CI does
    let seed = std::env::var("READER_SOUP_SEED").map_or(4242, |s| s.parse().unwrap());
    let n = std::env::var("READER_SOUP_PAGES").map_or(5000, |s| s.parse().unwrap());
    let most = std::env::var("READER_SOUP_LINES").map_or(14, |s| s.parse().unwrap());
    let mut rng = Lcg(seed);
    let mut errors = Vec::new();
    let mut scanned = 0;
    for k in 0..n {
        let lines = 2 + rng.next() % most;
        let mut page = String::new();
        for _ in 0..lines {
            page.push_str(PARTS[rng.next() % PARTS.len()]);
            page.push('\n');
        }
        if rng.next().is_multiple_of(4) {
            page.pop();
        }
        match same(&format!("soup {k}"), &page) {
            Ok(fast) => scanned += fast as usize,
            Err(e) => errors.push(format!("{e}\n  page: {page:?}")),
        }
    }
    eprintln!("{n} pages, {scanned} read by the scan");
    assert!(
        errors.is_empty(),
        "{} differences, the first ones:\n{}",
        errors.len(),
        errors[..errors.len().min(10)].join("\n")
    );
    assert!(scanned > n / 20, "only {scanned} read by the scan");
}
