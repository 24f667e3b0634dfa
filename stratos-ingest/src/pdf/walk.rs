//! A PDF's object graph walked before pdf-extract sees it, so that nothing it would do
//! without bound reaches it.
//!
//! pdf-extract recurses into a form XObject at every `Do` (two forms drawing each other
//! overflow any stack and abort the process), follows `/Parent` chains recursively, pushes
//! a graphics state at every `q` (two million of them take gigabytes), and inflates every
//! stream whole, as lopdf does with object streams while loading. So:
//! - [`prescan`] inflates every FlateDecode stream of the raw file, counting the bytes and
//!   keeping none, against [`Limits::max_decompressed_bytes`], before lopdf loads it;
//! - [`walk`] checks the loaded document: the page tree is a tree (no node reached twice),
//!   at most [`MAX_PAGES`] pages and [`Limits::max_nesting_depth`] levels; each page's
//!   `/Parent` chain ends; each content stream's `q` nesting and form XObject nesting stay
//!   within [`Limits::max_nesting_depth`]; no form draws itself, directly or through
//!   others; and at most [`MAX_DRAWS`] forms are drawn in all (forms drawing each other
//!   twice over grow exponentially without a cycle).

use std::collections::HashSet;
use std::io::Read;

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::limits::{LimitKind, Limits};

/// The most pages a PDF may have.
pub(crate) const MAX_PAGES: usize = 100_000;
/// The most form XObjects drawn across the document.
pub(crate) const MAX_DRAWS: u64 = 100_000;

/// Why a PDF is refused before extraction.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// A budget.
    Limit(LimitKind, u64),
    /// A structure pdf-extract cannot survive, described.
    Bad(String),
}

/// Inflates every FlateDecode stream of the raw file, counting the bytes, and refuses the
/// file when they exceed the decompressed-bytes budget, or one stream exceeds a sixteenth
/// of the memory budget (lopdf and pdf-extract inflate each stream whole: 512 MiB by
/// default). Stops early when `cancelled` is set (the caller's time budget ran out).
pub(crate) fn prescan(
    bytes: &[u8],
    limits: &Limits,
    cancelled: &std::sync::atomic::AtomicBool,
) -> Result<(), Refusal> {
    let budget = limits.max_decompressed_bytes;
    let per_stream = budget.min(limits.max_memory / 16);
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for at in memchr::memmem::find_iter(bytes, b"stream") {
        if at >= 3 && bytes.get(at - 3..at) == Some(b"end") {
            continue;
        }
        let mut start = at + b"stream".len();
        match bytes.get(start..start + 2) {
            Some([b'\r', b'\n']) => start += 2,
            Some([b'\n', _]) | Some([b'\r', _]) => start += 1,
            _ => continue,
        }
        let Some(data) = bytes.get(start..) else {
            continue;
        };
        if data.first().is_none_or(|b| b & 0x0F != 8) {
            continue; // not a zlib header
        }
        let mut inflater = flate2::read::ZlibDecoder::new(data);
        let mut this: u64 = 0;
        loop {
            match inflater.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    total = total.saturating_add(n as u64);
                    this = this.saturating_add(n as u64);
                    if total > budget {
                        return Err(Refusal::Limit(LimitKind::DecompressedBytes, budget));
                    }
                    if this > per_stream {
                        return Err(Refusal::Limit(LimitKind::DecompressedBytes, per_stream));
                    }
                    if this % (16 << 20) < n as u64
                        && cancelled.load(std::sync::atomic::Ordering::Relaxed)
                    {
                        return Err(Refusal::Bad("cancelled".to_owned()));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Follows references to the object they name (at most a few hops).
fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    doc.dereference(o).ok().map(|(_, o)| o)
}

fn dict<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    deref(doc, o).and_then(|o| o.as_dict().ok())
}

fn name_of(id: ObjectId) -> String {
    format!("{} {} R", id.0, id.1)
}

/// Checks the loaded document (see the module docs).
pub(crate) fn walk(doc: &Document, limits: &Limits) -> Result<(), Refusal> {
    let depth_limit = u64::from(limits.max_nesting_depth);
    let nesting = || Refusal::Limit(LimitKind::NestingDepth, depth_limit);
    let no_pages =
        || Refusal::Bad("no pages: the PDF's catalog names no readable page tree".to_owned());
    let root = doc
        .catalog()
        .and_then(|c| c.get(b"Pages"))
        .and_then(Object::as_reference)
        .map_err(|_| no_pages())?;
    // The page tree: a tree, bounded.
    let mut pages = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![(root, 0u64)];
    while let Some((id, depth)) = stack.pop() {
        if !seen.insert(id) {
            return Err(Refusal::Bad(format!(
                "the page tree loops: {} is reached twice",
                name_of(id)
            )));
        }
        if depth > depth_limit {
            return Err(nesting());
        }
        let Ok(node) = doc.get_dictionary(id) else {
            continue;
        };
        match node.get(b"Kids").and_then(Object::as_array) {
            Ok(kids) if node.get(b"Type").and_then(Object::as_name).ok() != Some(&b"Page"[..]) => {
                for kid in kids.iter().rev() {
                    if let Ok(k) = kid.as_reference() {
                        stack.push((k, depth + 1));
                    }
                }
            }
            _ => {
                pages.push(id);
                if pages.len() > MAX_PAGES {
                    return Err(Refusal::Bad(format!(
                        "more than {MAX_PAGES} pages: too large to read"
                    )));
                }
            }
        }
    }
    if pages.is_empty() {
        return Err(no_pages());
    }
    let mut draws = 0u64;
    for &page in &pages {
        let Ok(page_dict) = doc.get_dictionary(page) else {
            continue;
        };
        // The /Parent chain ends, and gives the inherited resources.
        let mut chain = HashSet::from([page]);
        let mut node = page_dict;
        let mut resources = None;
        loop {
            if resources.is_none() {
                resources = node.get(b"Resources").ok().and_then(|r| dict(doc, r));
            }
            let Ok(parent) = node.get(b"Parent").and_then(Object::as_reference) else {
                break;
            };
            if !chain.insert(parent) {
                return Err(Refusal::Bad(format!(
                    "the page tree loops: the /Parent chain of page {} comes back to {}",
                    name_of(page),
                    name_of(parent)
                )));
            }
            if chain.len() as u64 > depth_limit {
                return Err(nesting());
            }
            match doc.get_dictionary(parent) {
                Ok(d) => node = d,
                Err(_) => break,
            }
        }
        let Ok(content) = doc.get_page_content(page) else {
            continue;
        };
        let empty = Dictionary::new();
        let mut forms = Vec::new();
        check_content(
            doc,
            &content,
            resources.unwrap_or(&empty),
            &mut forms,
            &mut draws,
            limits,
        )?;
    }
    Ok(())
}

/// The deepest `q` nesting of a content stream, by a scan of its tokens (strings, hex
/// strings and comments skipped), before any parse: a stream of two million `q` costs a
/// parser a long time.
fn q_depth(content: &[u8]) -> u64 {
    let is_delim = |b: u8| b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b);
    let (mut depth, mut deepest) = (0u64, 0u64);
    let mut i = 0;
    while let Some(&b) = content.get(i) {
        match b {
            b'(' => {
                // A literal string: balanced parentheses, backslash escapes.
                let mut nest = 0u32;
                while let Some(&c) = content.get(i) {
                    match c {
                        b'\\' => i += 1,
                        b'(' => nest += 1,
                        b')' => {
                            nest = nest.saturating_sub(1);
                            if nest == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'/' => {
                i += 1;
                while content.get(i).is_some_and(|&c| !is_delim(c)) {
                    i += 1;
                }
                continue;
            }
            b'%' => {
                while content.get(i).is_some_and(|&c| c != b'\n' && c != b'\r') {
                    i += 1;
                }
            }
            b'<' if content.get(i + 1) == Some(&b'<') => {
                i += 2;
                continue;
            }
            b'<' => {
                while content.get(i).is_some_and(|&c| c != b'>') {
                    i += 1;
                }
            }
            b'q' | b'Q' => {
                let alone = (i == 0 || content.get(i - 1).is_some_and(|&c| is_delim(c)))
                    && content.get(i + 1).is_none_or(|&c| is_delim(c));
                if alone {
                    if b == b'q' {
                        depth += 1;
                        deepest = deepest.max(depth);
                    } else {
                        depth = depth.saturating_sub(1);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// Checks one content stream drawn with `resources` from inside the forms `forms`.
fn check_content(
    doc: &Document,
    content: &[u8],
    resources: &Dictionary,
    forms: &mut Vec<ObjectId>,
    draws: &mut u64,
    limits: &Limits,
) -> Result<(), Refusal> {
    let depth_limit = u64::from(limits.max_nesting_depth);
    if q_depth(content) > depth_limit {
        return Err(Refusal::Limit(LimitKind::NestingDepth, depth_limit));
    }
    let Ok(ops) = Content::decode(content) else {
        return Ok(()); // pdf-extract reports it
    };
    let mut q: u64 = 0;
    for op in &ops.operations {
        match op.operator.as_str() {
            "q" => {
                q += 1;
                if q > depth_limit {
                    return Err(Refusal::Limit(LimitKind::NestingDepth, depth_limit));
                }
            }
            "Q" => q = q.saturating_sub(1),
            "Do" => {
                let Some(name) = op.operands.first().and_then(|o| o.as_name().ok()) else {
                    continue;
                };
                let Some(entry) = resources
                    .get(b"XObject")
                    .ok()
                    .and_then(|x| dict(doc, x))
                    .and_then(|x| x.get(name).ok())
                else {
                    continue;
                };
                let id = entry.as_reference().ok();
                if let Some(id) = id
                    && forms.contains(&id)
                {
                    return Err(Refusal::Bad(format!(
                        "form XObject {} draws itself (through {} XObject{}): a loop \
                         pdf-extract cannot leave",
                        name_of(id),
                        forms.len(),
                        if forms.len() == 1 { "" } else { "s" }
                    )));
                }
                if forms.len() as u64 >= depth_limit {
                    return Err(Refusal::Limit(LimitKind::NestingDepth, depth_limit));
                }
                *draws += 1;
                if *draws > MAX_DRAWS {
                    return Err(Refusal::Bad(format!(
                        "draws more than {MAX_DRAWS} form XObjects: too large to read"
                    )));
                }
                let Some(Ok(stream)) = deref(doc, entry).map(Object::as_stream) else {
                    continue;
                };
                let inner = stream
                    .dict
                    .get(b"Resources")
                    .ok()
                    .and_then(|r| dict(doc, r))
                    .unwrap_or(resources);
                let data = stream
                    .decompressed_content()
                    .unwrap_or_else(|_| stream.content.clone());
                forms.push(id.unwrap_or((0, 0)));
                check_content(doc, &data, inner, forms, draws, limits)?;
                forms.pop();
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_depth_skips_strings_comments_and_names() {
        assert_eq!(q_depth(b"q q Q q"), 2);
        assert_eq!(q_depth(b"q (q q q \\) q) Q"), 1);
        assert_eq!(q_depth(b"% q q q\nq"), 1);
        assert_eq!(q_depth(b"/q <71> qq q"), 1);
        assert_eq!(q_depth(b"<< /A q >> q"), 2);
    }
}
