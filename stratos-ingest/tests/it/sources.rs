//! Containers (gzip, zstd, bzip2, zip) by magic bytes, URLs from a local server, and the
//! decompression budget. The container files were made by the command-line tools
//! (tests/data/containers/gen.sh).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use stratos_ingest::{
    IngestError, LimitKind, Limits, ReadOptions, read_bytes, read_path, read_source,
};

use crate::{assert_same_frame, data};

fn plain() -> stratos_core::Frame {
    read_path(&data("containers/prices.csv"), &ReadOptions::default()).unwrap()
}

#[test]
fn every_container_reads_like_the_plain_file() {
    let want = plain();
    assert_eq!(want.len(), 60);
    for name in [
        "prices.csv.gz",
        "prices.dat",
        "prices.csv.zst",
        "prices.csv.bz2",
        "prices.zip",
        "two_members.csv.gz",
    ] {
        let got = read_path(
            &data(&format!("containers/{name}")),
            &ReadOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_same_frame(&got, &want);
        // In memory, with no name at all, the magic bytes decide.
        let bytes = std::fs::read(data(&format!("containers/{name}"))).unwrap();
        assert_same_frame(&read_bytes(&bytes, &ReadOptions::default()).unwrap(), &want);
    }
}

#[test]
fn a_decompression_bomb_stops_at_the_budget() {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(b"a,b\n").unwrap();
    for _ in 0..(4 << 20) / 16 {
        enc.write_all(b"0000000,00000000\n").unwrap();
    }
    let bomb = enc.finish().unwrap();
    assert!(bomb.len() < 64 << 10);
    let opts = ReadOptions::default()
        .with_source_name("bomb.csv.gz")
        .with_limits(Limits::default().with_max_decompressed_bytes(1 << 20));
    let e = read_bytes(&bomb, &opts).unwrap_err();
    assert!(
        matches!(
            e,
            IngestError::Limit {
                what: LimitKind::DecompressedBytes,
                limit: 1_048_576,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("bomb.csv.gz: input exceeds the limit of 1048576 decompressed bytes"),
        "{e}"
    );
    assert!(e.is_bad_data());
}

#[test]
fn corrupt_and_ambiguous_containers_are_bad_data() {
    let mut gz = std::fs::read(data("containers/prices.csv.gz")).unwrap();
    gz.truncate(gz.len() / 2);
    let e = read_bytes(&gz, &ReadOptions::default().with_source_name("cut.gz")).unwrap_err();
    assert!(e.is_bad_data(), "{e}");
    assert!(
        e.to_string().starts_with("cut.gz: corrupt gzip data: "),
        "{e}"
    );

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for name in ["a.csv", "b.csv"] {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"t,v\n2024-01-01,1\n").unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let e = read_bytes(&bytes, &ReadOptions::default().with_source_name("two.zip")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "two.zip: corrupt zip data: the archive holds 2 files (a.csv, b.csv); unpack it and \
         name one"
    );
}

/// Serves each accepted connection one canned HTTP response, `count` times.
fn serve(responses: Vec<Vec<u8>>) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        for response in responses {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(&response);
        }
    });
    (addr, handle)
}

fn ok(body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

#[cfg(feature = "http")]
#[test]
fn urls_are_read_from_a_local_server() {
    let gz = std::fs::read(data("containers/prices.csv.gz")).unwrap();
    let csv = std::fs::read(data("containers/prices.csv")).unwrap();
    let not_found =
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec();
    let (base, server) = serve(vec![ok(&gz), ok(&csv), not_found, ok(&csv)]);
    let want = plain();
    let got = read_source(
        &format!("{base}/data/prices.csv.gz?token=1"),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_same_frame(&got, &want);
    let got = read_path(
        std::path::Path::new(&format!("{base}/prices.csv")),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_same_frame(&got, &want);
    let e = read_source(&format!("{base}/missing.csv"), &ReadOptions::default()).unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert!(
        e.to_string()
            .starts_with(&format!("{base}/missing.csv: cannot read input: ")),
        "{e}"
    );
    // Bigger than the budget: a limit error, not a download of everything.
    let small =
        ReadOptions::default().with_limits(Limits::default().with_max_decompressed_bytes(100));
    let e = read_source(&format!("{base}/prices.csv"), &small).unwrap_err();
    assert!(matches!(e, IngestError::Limit { .. }), "{e}");
    server.join().unwrap();
}

#[cfg(feature = "http")]
#[test]
fn a_silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/slow.csv", listener.local_addr().unwrap());
    let holder = std::thread::spawn(move || {
        let conn = listener.accept();
        std::thread::sleep(Duration::from_millis(1500));
        drop(conn);
    });
    let started = std::time::Instant::now();
    let e = read_source(
        &url,
        &ReadOptions::default().with_http_timeout(Duration::from_millis(300)),
    )
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(1400),
        "{:?}",
        started.elapsed()
    );
    assert!(!e.is_not_found() && !e.is_bad_data(), "{e}");
    holder.join().unwrap();
}

#[test]
fn open_source_streams_containers() {
    use std::io::BufRead;
    for name in [
        "prices.csv.gz",
        "prices.csv.zst",
        "prices.csv.bz2",
        "prices.zip",
        "prices.csv",
    ] {
        let path = data(&format!("containers/{name}"));
        let r =
            stratos_ingest::open_source(path.to_str().unwrap(), &ReadOptions::default()).unwrap();
        let lines: Vec<String> = r.lines().map(Result::unwrap).collect();
        assert_eq!(lines.len(), 61, "{name}");
        assert_eq!(lines[0], "timestamp,price,volume", "{name}");
    }
}
