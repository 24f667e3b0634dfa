//! The one SVG reader of the CLI's tests (the plot module's unit tests include this file
//! too): element counts and every `<text>`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

/// Counts the elements by name (polylines by name and stroke colour), and collects the text
/// of every `<text>`; panics on XML that is not well formed.
pub(crate) fn parse(svg: &str) -> (HashMap<String, usize>, Vec<String>) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut counts = HashMap::new();
    let mut texts = Vec::new();
    let mut in_text = false;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let mut name = e.name().0.to_owned();
                in_text = name == "text";
                if name == "polyline" {
                    let stroke = e
                        .try_get_attribute("stroke")
                        .unwrap()
                        .map(|a| a.value.into_owned())
                        .unwrap_or_default();
                    name = format!("polyline {stroke}");
                }
                *counts.entry(name).or_insert(0) += 1;
            }
            Event::Text(t) if in_text => texts.push(t.xml10_content().trim().to_owned()),
            Event::End(_) => in_text = false,
            Event::Eof => break,
            _ => {}
        }
    }
    (counts, texts)
}
