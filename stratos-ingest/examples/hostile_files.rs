//! Writes the hostile inputs of `tests/it/hostile_gen.rs` to a directory, for measuring the
//! CLI against them (`/usr/bin/time -v stratos run …`) and for seeding the fuzzers.
//!
//! ```text
//! cargo run -p stratos-ingest --example hostile_files -- /tmp/hostile
//! ```
//!
//! With `--seeds FUZZ_DIR` it writes small versions of the same bombs into the fuzz corpus
//! (`FUZZ_DIR/corpus/<target>/hostile_*`), which `tests/it/fuzz_corpus.rs` replays:
//!
//! ```text
//! cargo run -p stratos-ingest --example hostile_files -- --seeds fuzz
//! ```
//!
//! The bombs are small on disk and large when read: a 4 MB XLSX whose shared strings
//! expand to 640 MB, a 340 KB XLSX whose one shared string fills 6,400 cells (6.4 GB of
//! copies), a 280 KB XLS whose one 65,535-character shared string fills 20,000 cells
//! (1.3 GB of copies), XLS sheets claiming or spanning billions of cells, ODS files with `text:c="2000000000"`, a billion repeated rows and a 16-billion
//! cell repeat, a JSON/NDJSON/log where every record brings a new key (quadratic in a
//! dense frame), and PDFs with an XObject loop, a page-tree loop, a flate bomb and two
//! million `q`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/it/hostile_gen.rs"]
mod hostile_gen;

use hostile_gen as g;

/// Small versions of the bombs, by fuzz target.
fn seeds(fuzz: &std::path::Path) {
    let seeds: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "xlsx",
            "hostile_unique_count.xlsx",
            g::xlsx_unique_count_bomb(4_000_000_000_000),
        ),
        (
            "xlsx",
            "hostile_fanout.xlsx",
            g::xlsx_shared_string_fanout(100_000, 200),
        ),
        (
            "xlsx",
            "hostile_shared_strings.xlsx",
            g::xlsx_shared_strings_bomb(20, 100_000),
        ),
        ("xlsx", "plain.xls", g::xls_plain(5)),
        (
            "xlsx",
            "hostile_fanout.xls",
            g::xls_shared_string_fanout(65_535, 300),
        ),
        ("xlsx", "hostile_dimensions.xls", g::xls_dimensions_bomb()),
        ("xlsx", "hostile_far_cell.xls", g::xls_far_cell()),
        ("xlsx", "hostile_spaces.ods", g::ods_spaces_bomb()),
        (
            "xlsx",
            "hostile_rows_after_repeat.ods",
            g::ods_rows_after_repeat(),
        ),
        ("xlsx", "hostile_repeat.ods", g::ods_repeat_bomb()),
        (
            "json",
            "hostile_sparse_keys.json",
            g::sparse_key_json(3_000),
        ),
        (
            "ndjson",
            "hostile_sparse_keys.ndjson",
            g::sparse_key_ndjson(3_000),
        ),
        ("text", "hostile_sparse_keys.log", g::sparse_key_log(3_000)),
        ("pdf", "hostile_xobject_loop.pdf", g::pdf_xobject_loop()),
        ("pdf", "hostile_page_tree_loop.pdf", g::pdf_page_tree_loop()),
        ("pdf", "hostile_flate_bomb.pdf", g::pdf_flate_bomb(40 << 20)),
        ("pdf", "hostile_deep_q.pdf", g::pdf_deep_q(300)),
        ("pdf", "hostile_deep_nesting.pdf", g::pdf_deep_nesting(500)),
    ];
    for (target, name, bytes) in seeds {
        let dir = fuzz.join("corpus").join(target);
        std::fs::create_dir_all(&dir).expect("create a corpus directory");
        std::fs::write(dir.join(name), &bytes).expect("write a seed");
        println!("{:>12} bytes  {target}/{name}", bytes.len());
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let first = args.next();
    if first.as_deref() == Some("--seeds") {
        seeds(std::path::Path::new(
            &args.next().unwrap_or_else(|| "fuzz".to_owned()),
        ));
        return;
    }
    let dir = first.unwrap_or_else(|| "hostile".to_owned());
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).expect("create the output directory");
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("plain.xlsx", g::xlsx_plain(100)),
        (
            "shared_strings_bomb.xlsx",
            g::xlsx_shared_strings_bomb(1_000, 640_000),
        ),
        (
            "shared_string_fanout.xlsx",
            g::xlsx_shared_string_fanout(1_000_000, 6_400),
        ),
        (
            "unique_count_bomb.xlsx",
            g::xlsx_unique_count_bomb(4_000_000_000_000),
        ),
        ("plain.xls", g::xls_plain(100)),
        (
            "shared_string_fanout.xls",
            g::xls_shared_string_fanout(65_535, 20_000),
        ),
        ("dimensions_bomb.xls", g::xls_dimensions_bomb()),
        ("far_cell.xls", g::xls_far_cell()),
        ("spaces_bomb.ods", g::ods_spaces_bomb()),
        ("rows_after_repeat.ods", g::ods_rows_after_repeat()),
        ("repeat_bomb.ods", g::ods_repeat_bomb()),
        ("body_bomb.ods", g::ods_body_bomb(3 << 30)),
        ("sparse_keys.json", g::sparse_key_json(100_000)),
        ("sparse_keys.ndjson", g::sparse_key_ndjson(100_000)),
        ("sparse_keys.log", g::sparse_key_log(100_000)),
        ("xobject_loop.pdf", g::pdf_xobject_loop()),
        ("page_tree_loop.pdf", g::pdf_page_tree_loop()),
        ("flate_bomb.pdf", g::pdf_flate_bomb(2 << 30)),
        ("deep_q.pdf", g::pdf_deep_q(2_000_000)),
        ("deep_nesting.pdf", g::pdf_deep_nesting(100_000)),
    ];
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, &bytes).expect("write a hostile file");
        println!("{:>12} bytes  {}", bytes.len(), path.display());
    }
}
