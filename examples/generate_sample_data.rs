//! Writes the sample data sets in `examples/data/`:
//!
//! - `ohlcv_daily.csv`: 2,500 daily OHLCV bars (Mon–Fri from 2015-01-02) of a geometric random
//!   walk with drift and five volatility regimes (calm bull, turbulent bear, recovery,
//!   turbulence, calm).
//! - `sensor_stream.ndjson`: 600 records in the seed's stream envelope, three streams
//!   (`motor_01`, `motor_02`, `pump_01`) interleaved, one reading per minute per stream from
//!   2025-01-15T10:00:00Z, with injected spikes listed in [`SPIKES`].
//! - `sensor_stream.csv`: the same temperature readings as `timestamp,stream_id,value`.
//! - `tenant_readings.csv`: the same rows with a `tenant` column (`acme` owns the motors,
//!   `globex` the pump), as `timestamp,tenant,stream_id,value`, and `tenants.json`: the two
//!   tenants' policies, for `stratos stream --tenant-field tenant --tenants …`.
//!
//! ```text
//! cargo run --example generate_sample_data            # writes examples/data/
//! cargo run --example generate_sample_data -- DIR     # writes DIR/ instead
//! ```
//!
//! The output is deterministic: a fixed seed, a hand-written SplitMix64 generator, normal
//! deviates from the Irwin–Hall sum of twelve uniforms, and only `+ − × ÷` and `round` on
//! `f64` (all exactly specified by IEEE 754; no `exp`, `ln` or `cos`, whose last bits may vary
//! between platforms' math libraries). Prices and readings are rounded to integer cents
//! before they are printed or fed back into the walk. So running it again, on any platform,
//! rewrites byte-identical files, and it is safe to run in CI.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The seed of every random draw.
const SEED: u64 = 0x0005_EED0_F572_A705;

/// Number of daily bars.
const BARS: usize = 2_500;

/// Minutes of sensor readings per stream.
const MINUTES: usize = 200;

/// Injected spikes: (stream, minute, field, offset added to the reading).
const SPIKES: [(&str, usize, &str, f64); 6] = [
    ("motor_01", 75, "temperature", 9.5),
    ("motor_01", 160, "temperature", 7.0),
    ("motor_02", 120, "temperature", 11.0),
    ("motor_02", 140, "vibration", 3.5),
    ("pump_01", 98, "temperature", -8.0),
    ("pump_01", 180, "temperature", 6.0),
];

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014), as in `java.util.SplittableRandom`.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 random bits.
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Approximately standard normal: the Irwin–Hall sum of 12 uniforms minus 6 (mean 0,
    /// variance 1, bounded by ±6).
    fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.uniform()).sum::<f64>() - 6.0
    }
}

/// Volatility regime of bar `t`: (daily drift, daily volatility).
fn regime(t: usize) -> (f64, f64) {
    match t {
        0..900 => (0.0007, 0.009),     // calm bull
        900..1150 => (-0.0015, 0.024), // turbulent bear
        1150..1900 => (0.0011, 0.012), // recovery
        1900..2100 => (-0.0003, 0.02), // turbulence
        _ => (0.0006, 0.010),          // calm
    }
}

/// A value rounded to integer hundredths.
fn cents(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

/// Integer hundredths as `123.45` (or `-1.05`).
fn write_cents(out: &mut String, c: i64) {
    let sign = if c < 0 { "-" } else { "" };
    let c = c.unsigned_abs();
    let _ = write!(out, "{sign}{}.{:02}", c / 100, c % 100);
}

/// Calendar dates, one day at a time, with the weekday (0 = Monday).
struct Calendar {
    y: u32,
    m: u32,
    d: u32,
    weekday: u32,
}

impl Calendar {
    fn days_in_month(&self) -> u32 {
        match self.m {
            2 if (self.y.is_multiple_of(4) && !self.y.is_multiple_of(100))
                || self.y.is_multiple_of(400) =>
            {
                29
            }
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    fn next_day(&mut self) {
        self.weekday = (self.weekday + 1) % 7;
        self.d += 1;
        if self.d > self.days_in_month() {
            self.d = 1;
            self.m += 1;
            if self.m > 12 {
                self.m = 1;
                self.y += 1;
            }
        }
    }

    fn next_business_day(&mut self) {
        self.next_day();
        while self.weekday >= 5 {
            self.next_day();
        }
    }
}

/// `date,open,high,low,close,volume`, one business day per row.
fn ohlcv_csv(rng: &mut SplitMix64) -> String {
    let mut out = String::with_capacity(BARS * 48);
    out.push_str("date,open,high,low,close,volume\n");
    // 2015-01-02 was a Friday.
    let mut day = Calendar {
        y: 2015,
        m: 1,
        d: 2,
        weekday: 4,
    };
    let mut prev_close = 100.0_f64;
    for t in 0..BARS {
        if t > 0 {
            day.next_business_day();
        }
        let (mu, sigma) = regime(t);
        let gap = 0.3 * sigma * rng.normal();
        let ret = mu + sigma * rng.normal();
        let open = prev_close * (1.0 + gap);
        let close = prev_close * (1.0 + gap + ret);
        let (o, c) = (cents(open), cents(close));
        let h = cents(open.max(close) * (1.0 + 0.6 * sigma * rng.normal().abs()))
            .max(o)
            .max(c);
        let l = cents(open.min(close) * (1.0 - 0.6 * sigma * rng.normal().abs()))
            .min(o)
            .min(c)
            .max(1);
        // Busier on big moves and in turbulent regimes.
        let activity = (1.0 + 0.25 * rng.normal()).max(0.3);
        let volume = (1_200_000.0 * (sigma / 0.01) * activity * (1.0 + 25.0 * (gap + ret).abs()))
            .round() as u64;
        let _ = write!(out, "{:04}-{:02}-{:02},", day.y, day.m, day.d);
        for (i, v) in [o, h, l, c].into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_cents(&mut out, v);
        }
        let _ = writeln!(out, ",{volume}");
        prev_close = c as f64 / 100.0;
    }
    out
}

/// The sensor streams as (NDJSON, CSV).
fn sensor_stream(rng: &mut SplitMix64) -> (String, String) {
    // (stream id, base temperature °C, warm-up drift °C per minute, base vibration mm/s)
    let streams = [
        ("motor_01", 72.0, 0.004, 2.3),
        ("motor_02", 65.0, 0.002, 1.8),
        ("pump_01", 48.0, 0.003, 0.9),
    ];
    // AR(1) noise per stream: e[t] = 0.5 e[t−1] + 0.2 z.
    let mut noise = [0.0_f64; 3];
    let mut ndjson = String::with_capacity(streams.len() * MINUTES * 130);
    let mut csv = String::with_capacity(streams.len() * MINUTES * 40);
    csv.push_str("timestamp,stream_id,value\n");
    for minute in 0..MINUTES {
        let ts = format!("2025-01-15T{:02}:{:02}:00Z", 10 + minute / 60, minute % 60);
        for (s, &(id, base, drift, vib)) in streams.iter().enumerate() {
            noise[s] = 0.5 * noise[s] + 0.2 * rng.normal();
            let spike = |field: &str| {
                SPIKES
                    .iter()
                    .filter(|&&(sid, m, f, _)| sid == id && m == minute && f == field)
                    .map(|&(_, _, _, offset)| offset)
                    .sum::<f64>()
            };
            let temperature = cents(base + drift * minute as f64 + noise[s] + spike("temperature"));
            let vibration =
                ((vib * (1.0 + 0.02 * rng.normal()) + spike("vibration")) * 1000.0).round() as i64;
            let _ = write!(
                ndjson,
                r#"{{"stream_id":"{id}","data_type":"IOT_SENSOR","payload":{{"temperature":"#
            );
            write_cents(&mut ndjson, temperature);
            let _ = writeln!(
                ndjson,
                r#","vibration":{}.{:03}}},"timestamp":"{ts}"}}"#,
                vibration / 1000,
                vibration % 1000
            );
            let _ = write!(csv, "{ts},{id},");
            write_cents(&mut csv, temperature);
            csv.push('\n');
        }
    }
    (ndjson, csv)
}

/// Policies of the two tenants in `tenant_readings.csv`, in the seed's `tenants.json` shape.
const TENANTS_JSON: &str = r#"[
  {"tenant_id": "acme",
   "limits": {"max_concurrent_streams": 50, "max_strategies_per_hour": 500, "rate_limit_per_minute": 120},
   "allowed_strategies": ["anomaly_detection", "window_aggregate"]},
  {"tenant_id": "globex",
   "limits": {"max_concurrent_streams": 5, "rate_limit_per_minute": 60},
   "allowed_strategies": ["anomaly_detection"]}
]
"#;

/// The CSV readings with a tenant column: `acme` for the motors, `globex` for the pump.
fn tenant_readings(csv: &str) -> String {
    let mut out = String::with_capacity(csv.len() + csv.lines().count() * 7);
    for (i, line) in csv.lines().enumerate() {
        let Some((ts, rest)) = line.split_once(',') else {
            continue;
        };
        let tenant = if i == 0 {
            "tenant"
        } else if rest.starts_with("pump") {
            "globex"
        } else {
            "acme"
        };
        let _ = writeln!(out, "{ts},{tenant},{rest}");
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir: PathBuf = match std::env::args_os().nth(1) {
        Some(dir) => dir.into(),
        None => Path::new(option_env!("CARGO_MANIFEST_DIR").unwrap_or("."))
            .join("examples")
            .join("data"),
    };
    std::fs::create_dir_all(&dir)?;
    let mut rng = SplitMix64(SEED);
    let ohlcv = ohlcv_csv(&mut rng);
    let (ndjson, csv) = sensor_stream(&mut rng);
    let tenants = tenant_readings(&csv);
    for (name, text) in [
        ("ohlcv_daily.csv", ohlcv),
        ("sensor_stream.ndjson", ndjson),
        ("sensor_stream.csv", csv),
        ("tenant_readings.csv", tenants),
        ("tenants.json", TENANTS_JSON.to_owned()),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, &text)?;
        println!(
            "wrote {} ({} lines, {} bytes)",
            path.display(),
            text.lines().count(),
            text.len()
        );
    }
    Ok(())
}
