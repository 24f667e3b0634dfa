//! One row-at-a-time detector behind every method, shared by batch and online runs so that
//! both give the same answers.

use super::art::ArtDetector;
use super::auto::{AutoDetector, AutoParams};
use super::config::{AnomalyConfig, AnomalyMethod, Combine};
use super::contextual::Contextual;
use super::ewma::EwmaChart;
use super::iqr::RollingIqr;
use super::isolation_forest::IsolationForestState;
use super::knn_cad::KnnCad;
use super::mad::RollingRobustZ;
use super::one_class_svm::OneClassSvm;
use super::relative_entropy::RelativeEntropy;
use super::seasonal::SeasonalDetector;
use super::zscore::{RollingZScore, ZPoint, anomaly_score};
use stratos_core::numeric::SlidingQuantileSketch;

/// A univariate kernel, one per field.
#[derive(Debug, Clone, PartialEq)]
enum Kernel {
    Z(RollingZScore),
    Robust(RollingRobustZ),
    Iqr(RollingIqr),
    Ewma(EwmaChart),
}

impl Kernel {
    fn new(method: AnomalyMethod, c: &AnomalyConfig) -> Self {
        match method {
            AnomalyMethod::RobustZ => Kernel::Robust(RollingRobustZ::new(c.window_size)),
            AnomalyMethod::Iqr => Kernel::Iqr(RollingIqr::new(c.window_size)),
            AnomalyMethod::Ewma => Kernel::Ewma(EwmaChart::new(c.ewma_alpha(), c.window_size)),
            _ => Kernel::Z(RollingZScore::new(c.window_size, c.ddof)),
        }
    }

    #[inline]
    fn point(&self, x: f64) -> Option<ZPoint> {
        match self {
            Kernel::Z(k) => k.score(x),
            Kernel::Robust(k) => k.score(x),
            Kernel::Ewma(k) => k.score(x),
            Kernel::Iqr(k) => k.score(x),
        }
    }

    #[inline]
    fn add(&mut self, x: f64) {
        match self {
            Kernel::Z(k) => k.add(x),
            Kernel::Robust(k) => k.add(x),
            Kernel::Iqr(k) => k.add(x),
            Kernel::Ewma(k) => k.add(x),
        }
    }

    fn heap_bytes(&self, window: usize) -> usize {
        match self {
            Kernel::Z(_) => window * std::mem::size_of::<f64>(),
            Kernel::Robust(k) => k.heap_bytes(),
            Kernel::Iqr(k) => k.heap_bytes(),
            Kernel::Ewma(_) => 0,
        }
    }

    fn reset(&mut self) {
        match self {
            Kernel::Z(k) => k.reset(),
            Kernel::Robust(k) => k.reset(),
            Kernel::Iqr(k) => k.reset(),
            Kernel::Ewma(k) => k.reset(),
        }
    }
}

/// A univariate kernel that gives a score in [0, 1] directly (no z), one per field.
#[derive(Debug, Clone, PartialEq)]
enum ScoreKernel {
    Contextual(Box<Contextual>),
    KnnCad(Box<KnnCad>),
    RelativeEntropy(Box<RelativeEntropy>),
}

impl ScoreKernel {
    fn new(method: AnomalyMethod, c: &AnomalyConfig) -> Self {
        match method {
            AnomalyMethod::Contextual => {
                ScoreKernel::Contextual(Box::new(Contextual::new(&c.contextual)))
            }
            AnomalyMethod::KnnCad => ScoreKernel::KnnCad(Box::new(KnnCad::new(&c.knn_cad))),
            _ => ScoreKernel::RelativeEntropy(Box::new(RelativeEntropy::new(&c.relative_entropy))),
        }
    }

    /// Scores `x`, then learns it.
    #[inline]
    fn update(&mut self, x: f64) -> Option<f64> {
        match self {
            ScoreKernel::Contextual(k) => k.update(x),
            ScoreKernel::KnnCad(k) => k.update(x),
            ScoreKernel::RelativeEntropy(k) => k.update(x),
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            ScoreKernel::Contextual(k) => k.heap_bytes(),
            ScoreKernel::KnnCad(k) => k.heap_bytes(),
            ScoreKernel::RelativeEntropy(k) => k.heap_bytes(),
        }
    }

    fn reset(&mut self) {
        match self {
            ScoreKernel::Contextual(k) => k.reset(),
            ScoreKernel::KnnCad(k) => k.reset(),
            ScoreKernel::RelativeEntropy(k) => k.reset(),
        }
    }
}

/// The anomaly score in [0, 1] of `x` at `p` under a univariate `method`.
#[inline]
fn point_score(method: AnomalyMethod, x: f64, p: &ZPoint) -> f64 {
    if method == AnomalyMethod::Iqr {
        anomaly_score(Some(RollingIqr::sigma_equivalent(x, p)))
    } else {
        anomaly_score(Some(p.z))
    }
}

/// What one method found on one row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Finding {
    /// The method.
    pub method: AnomalyMethod,
    /// The field (index into the strategy's fields); `None` for a finding over all fields.
    pub field: Option<usize>,
    /// The univariate statistic with its centre and scale.
    pub point: Option<ZPoint>,
    /// Anomaly score in [0, 1] (NaN on an unflagged row of a detector that scores flagged
    /// rows only, see [`Detector::scoring_flagged_rows_only`]).
    pub score: f64,
    /// Whether this finding is anomalous by the method's own rule.
    pub flagged: bool,
}

/// A method's state over all fields.
#[derive(Debug, Clone, PartialEq)]
enum Member {
    Fields {
        method: AnomalyMethod,
        kernels: Vec<Kernel>,
    },
    Forest(Box<IsolationForestState>),
    /// `art`, one detector per field.
    Art(Vec<ArtDetector>),
    /// `one_class_svm`, over all fields together.
    Svm(Box<OneClassSvm>),
    /// `seasonal`, one detector per field.
    Seasonal(Vec<SeasonalDetector>),
    /// The fixed `auto` combination.
    Auto(Box<AutoDetector>),
    /// A score-only univariate method, one kernel per field.
    Scored {
        method: AnomalyMethod,
        kernels: Vec<ScoreKernel>,
    },
}

impl Member {
    fn new(method: AnomalyMethod, c: &AnomalyConfig, fields: usize) -> Self {
        match method {
            AnomalyMethod::IsolationForest => Member::Forest(Box::new(IsolationForestState::new(
                fields,
                c.window_size,
                c.n_trees,
                c.sample_size,
                c.refit_every.unwrap_or(c.window_size),
                c.seed,
            ))),
            AnomalyMethod::Art => Member::Art(
                (0..fields)
                    .map(|_| ArtDetector::new(c.art_step, c.vigilance))
                    .collect(),
            ),
            AnomalyMethod::OneClassSvm => Member::Svm(Box::new(OneClassSvm::new(
                fields,
                c.n_components,
                c.nu,
                c.learning_rate,
                c.window_size,
                c.seed,
            ))),
            AnomalyMethod::Seasonal => Member::Seasonal(
                (0..fields)
                    .map(|_| {
                        SeasonalDetector::new(
                            c.period,
                            c.period_window,
                            c.residual_window,
                            c.season_alpha,
                        )
                    })
                    .collect(),
            ),
            AnomalyMethod::Auto => {
                Member::Auto(Box::new(AutoDetector::new(AutoParams::default(), fields)))
            }
            m if m.is_score_only() => Member::Scored {
                method: m,
                kernels: (0..fields).map(|_| ScoreKernel::new(m, c)).collect(),
            },
            m => Member::Fields {
                method: m,
                kernels: (0..fields).map(|_| Kernel::new(m, c)).collect(),
            },
        }
    }

    /// Scores a row, pushes its findings (flagged or not), adds the row; returns the member's
    /// row score (the largest over fields) and flag, `None` when nothing could be scored.
    /// With `lazy`, unflagged univariate findings get a NaN score (filled in later if the row
    /// turns out flagged).
    fn step(
        &mut self,
        values: &[f64],
        c: &AnomalyConfig,
        lazy: bool,
        out: &mut Vec<Finding>,
    ) -> Option<(f64, bool)> {
        match self {
            Member::Fields { method, kernels } => {
                let mut row: Option<(f64, bool)> = None;
                for (j, (k, &x)) in kernels.iter_mut().zip(values).enumerate() {
                    if let Some(p) = k.point(x) {
                        let flagged = p.z.abs() > c.threshold;
                        let score = if lazy && !flagged {
                            f64::NAN
                        } else {
                            point_score(*method, x, &p)
                        };
                        out.push(Finding {
                            method: *method,
                            field: Some(j),
                            point: Some(p),
                            score,
                            flagged,
                        });
                        row = Some(
                            row.map_or((score, flagged), |(s, f)| (s.max(score), f || flagged)),
                        );
                    }
                    k.add(x);
                }
                row
            }
            Member::Forest(state) if lazy => {
                // Only flagged rows matter: stop walking trees once the row cannot be.
                let score = state.score_above(values, c.score_threshold);
                state.add(values);
                let score = score?;
                out.push(Finding {
                    method: AnomalyMethod::IsolationForest,
                    field: None,
                    point: None,
                    score,
                    flagged: true,
                });
                Some((score, true))
            }
            Member::Forest(state) => {
                let score = state.score(values);
                state.add(values);
                let score = score?;
                let flagged = score > c.score_threshold;
                out.push(Finding {
                    method: AnomalyMethod::IsolationForest,
                    field: None,
                    point: None,
                    score,
                    flagged,
                });
                Some((score, flagged))
            }
            Member::Art(kernels) => scored_fields(
                AnomalyMethod::Art,
                kernels,
                values,
                c,
                out,
                ArtDetector::push,
            ),
            Member::Svm(svm) => {
                let score = svm.push(values)?;
                let flagged = score > c.score_threshold;
                out.push(Finding {
                    method: AnomalyMethod::OneClassSvm,
                    field: None,
                    point: None,
                    score,
                    flagged,
                });
                Some((score, flagged))
            }
            Member::Auto(a) => {
                let score = a.update(values)?;
                let flagged = score >= a.flag();
                out.push(Finding {
                    method: AnomalyMethod::Auto,
                    field: None,
                    point: None,
                    score,
                    flagged,
                });
                Some((score, flagged))
            }
            Member::Seasonal(kernels) => {
                let mut row: Option<(f64, bool)> = None;
                for (j, (k, &x)) in kernels.iter_mut().zip(values).enumerate() {
                    if let Some(p) = k.push(x) {
                        let flagged = p.z.abs() > c.threshold;
                        let score = anomaly_score(Some(p.z));
                        out.push(Finding {
                            method: AnomalyMethod::Seasonal,
                            field: Some(j),
                            point: Some(p),
                            score,
                            flagged,
                        });
                        row = Some(
                            row.map_or((score, flagged), |(s, f)| (s.max(score), f || flagged)),
                        );
                    }
                }
                row
            }
            Member::Scored { method, kernels } => {
                let mut row: Option<(f64, bool)> = None;
                for (j, (k, &x)) in kernels.iter_mut().zip(values).enumerate() {
                    if let Some(score) = k.update(x) {
                        let flagged = score > c.score_threshold;
                        out.push(Finding {
                            method: *method,
                            field: Some(j),
                            point: None,
                            score,
                            flagged,
                        });
                        row = Some(
                            row.map_or((score, flagged), |(s, f)| (s.max(score), f || flagged)),
                        );
                    }
                }
                row
            }
        }
    }

    fn heap_bytes(&self, window: usize) -> usize {
        match self {
            Member::Fields { kernels, .. } => kernels.iter().map(|k| k.heap_bytes(window)).sum(),
            Member::Forest(s) => s.heap_bytes(),
            Member::Art(k) => k.iter().map(ArtDetector::heap_bytes).sum(),
            Member::Svm(s) => s.heap_bytes(),
            Member::Seasonal(k) => k.iter().map(SeasonalDetector::heap_bytes).sum(),
            Member::Scored { kernels, .. } => kernels.iter().map(ScoreKernel::heap_bytes).sum(),
            Member::Auto(a) => a.heap_bytes(),
        }
    }

    fn reset(&mut self) {
        match self {
            Member::Fields { kernels, .. } => kernels.iter_mut().for_each(Kernel::reset),
            Member::Forest(s) => s.reset(),
            Member::Art(k) => k.iter_mut().for_each(ArtDetector::reset),
            Member::Svm(s) => s.reset(),
            Member::Seasonal(k) => k.iter_mut().for_each(SeasonalDetector::reset),
            Member::Scored { kernels, .. } => kernels.iter_mut().for_each(ScoreKernel::reset),
            Member::Auto(a) => a.reset(),
        }
    }
}

/// Steps the per-field kernels of a method whose kernels give a score in [0, 1] directly
/// (flagged above `score_threshold`), pushing one finding per scored field; returns the row's
/// score (the largest) and flag.
fn scored_fields<K>(
    method: AnomalyMethod,
    kernels: &mut [K],
    values: &[f64],
    c: &AnomalyConfig,
    out: &mut Vec<Finding>,
    push: impl Fn(&mut K, f64) -> Option<f64>,
) -> Option<(f64, bool)> {
    let mut row: Option<(f64, bool)> = None;
    for (j, (k, &x)) in kernels.iter_mut().zip(values).enumerate() {
        if let Some(score) = push(k, x) {
            let score = if score.is_finite() {
                score.clamp(0.0, 1.0)
            } else {
                0.0
            };
            let flagged = score > c.score_threshold;
            out.push(Finding {
                method,
                field: Some(j),
                point: None,
                score,
                flagged,
            });
            row = Some(row.map_or((score, flagged), |(s, f)| (s.max(score), f || flagged)));
        }
    }
    row
}

/// The outcome of one row.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct RowOutcome {
    /// Row anomaly score in [0, 1]; `None` when nothing could be scored.
    pub score: Option<f64>,
    /// Whether the row is anomalous.
    pub flagged: bool,
    /// The adaptive threshold in effect, with `adaptiveThreshold`.
    pub adaptive: Option<f64>,
    /// The methods' findings (for an ensemble, every member's).
    pub findings: Vec<Finding>,
}

/// The detector of a config over a fixed number of fields.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Detector {
    config: AnomalyConfig,
    members: Vec<Member>,
    ensemble: bool,
    recent: Option<SlidingQuantileSketch>,
    suppress: Option<MaxWindow>,
    /// Score only the rows that end up flagged (see [`Detector::scoring_flagged_rows_only`]).
    lazy: bool,
}

/// The largest value of the last `k` pushed, by a monotone deque (O(k) memory, O(1) amortised).
#[derive(Debug, Clone, PartialEq)]
struct MaxWindow {
    k: usize,
    t: u64,
    deque: std::collections::VecDeque<(u64, f64)>,
}

impl MaxWindow {
    fn new(k: usize) -> Self {
        MaxWindow {
            k,
            t: 0,
            deque: std::collections::VecDeque::with_capacity(k + 1),
        }
    }

    /// The largest of the last `k` values (−∞ when none).
    fn max(&self) -> f64 {
        self.deque.front().map_or(f64::NEG_INFINITY, |&(_, v)| v)
    }

    fn push(&mut self, x: f64) {
        while self.deque.back().is_some_and(|&(_, v)| v <= x) {
            self.deque.pop_back();
        }
        self.deque.push_back((self.t, x));
        self.t += 1;
        while self
            .deque
            .front()
            .is_some_and(|&(i, _)| i + (self.k as u64) < self.t)
        {
            self.deque.pop_front();
        }
    }

    fn heap_bytes(&self) -> usize {
        self.deque.capacity() * std::mem::size_of::<(u64, f64)>()
    }

    fn clear(&mut self) {
        self.t = 0;
        self.deque.clear();
    }
}

/// `−ln(1 − s)`: a score's surprise, finite for every score below 1.
fn surprise(s: f64) -> f64 {
    -(1.0 - s).max(f64::MIN_POSITIVE).ln()
}

/// Scores needed before the adaptive threshold flags anything.
const ADAPTIVE_MIN_SCORES: usize = 10;

impl Detector {
    pub(crate) fn new(c: &AnomalyConfig, fields: usize) -> Self {
        let method = c.effective_method();
        let ensemble = method == AnomalyMethod::Ensemble;
        let members = if ensemble {
            c.members()
                .into_iter()
                .map(|m| Member::new(m, c, fields))
                .collect()
        } else {
            vec![Member::new(method, c, fields)]
        };
        Detector {
            config: c.clone(),
            members,
            ensemble,
            recent: c
                .adaptive_threshold
                .then(|| SlidingQuantileSketch::new(c.adaptive_window)),
            suppress: (c.suppress_window > 0).then(|| MaxWindow::new(c.suppress_window)),
            lazy: false,
        }
    }

    /// The same detector, but computing scores only for rows it flags: for the online form,
    /// which reads scores of flagged rows only. Flags and the scores of flagged rows are
    /// unchanged; an unflagged row's score is not computed. It applies where flags do not
    /// depend on scores (one univariate method or a lone isolation forest, no adaptive
    /// threshold, no suppression); other configs are returned as they are. It saves an `erf`
    /// per field and row on the hot path, and for a forest the trees walked once the row can no
    /// longer exceed `score_threshold` ([`IsolationForestState::score_above`]).
    pub(crate) fn scoring_flagged_rows_only(mut self) -> Self {
        self.lazy = !self.ensemble
            && self.recent.is_none()
            && self.suppress.is_none()
            && matches!(
                self.members.as_slice(),
                [Member::Fields { .. } | Member::Forest(_)]
            );
        self
    }

    /// Scores one row (one value per field) into `out`, then learns from it.
    pub(crate) fn step(&mut self, values: &[f64], out: &mut RowOutcome) {
        out.findings.clear();
        out.adaptive = None;
        let c = &self.config;
        let (mut sum, mut max, mut votes, mut scored) = (0.0, 0.0f64, 0usize, 0usize);
        for m in &mut self.members {
            if let Some((s, f)) = m.step(values, c, self.lazy, &mut out.findings) {
                sum += s;
                max = max.max(s);
                votes += usize::from(f);
                scored += 1;
            }
        }
        if scored == 0 {
            out.score = None;
            out.flagged = false;
            return;
        }
        let score = if self.ensemble && c.combine == Combine::Mean {
            // Unscored members (still warming up) count as 0.
            sum / self.members.len() as f64
        } else {
            max
        };
        let mut flagged = if self.ensemble {
            votes >= c.votes_needed()
        } else {
            votes > 0
        };
        let mut score = score;
        if self.lazy {
            if !flagged {
                out.score = None;
                out.flagged = false;
                return;
            }
            // The unflagged fields of a flagged row are scored now, as the eager path would.
            score = 0.0;
            for f in &mut out.findings {
                if f.score.is_nan()
                    && let (Some(p), Some(j)) = (f.point, f.field)
                {
                    f.score = point_score(f.method, values[j], &p);
                }
                score = score.max(f.score);
            }
        }
        if let Some(recent) = &mut self.recent {
            // Quantiles of surprises are surprises of quantiles (a monotone map), so "score
            // above the recent quantile" is "r > q", i.e. r / (r + q) > 0.5.
            let r = surprise(score);
            flagged = false;
            let mut relative = 0.0;
            if recent.len() >= ADAPTIVE_MIN_SCORES.min(c.adaptive_window)
                && let Some(q) = recent.quantile(c.adaptive_quantile)
            {
                out.adaptive = Some(1.0 - (-q).exp());
                flagged = r > q;
                relative = if r > 0.0 { r / (r + q.max(1e-12)) } else { 0.0 };
            }
            recent.push(r);
            score = relative;
        }
        if let Some(window) = &mut self.suppress {
            let novel = score > window.max();
            window.push(score);
            if !novel {
                score = 0.0;
                flagged = false;
            }
        }
        out.score = Some(score);
        out.flagged = flagged;
    }

    /// Heap bytes held by the state (windows, forest, recent scores), by capacity.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.members
            .iter()
            .map(|m| m.heap_bytes(self.config.window_size))
            .sum::<usize>()
            + self
                .recent
                .as_ref()
                .map_or(0, SlidingQuantileSketch::heap_bytes)
            + self.suppress.as_ref().map_or(0, MaxWindow::heap_bytes)
    }

    pub(crate) fn reset(&mut self) {
        self.members.iter_mut().for_each(Member::reset);
        if let Some(r) = &mut self.recent {
            r.clear();
        }
        if let Some(s) = &mut self.suppress {
            s.clear();
        }
    }
}

/// The per-stream state of an `anomaly_detection` strategy, row by row, without events: what
/// the online form and the batch run both drive, for callers that want scores and flags only
/// (evaluations, benchmarks).
///
/// # Examples
/// ```
/// use stratos_core::BuiltinStrategy;
/// use stratos_strategies::anomaly::{AnomalyConfig, AnomalyState, AnomalyStrategy};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let s = AnomalyStrategy::from_config(AnomalyConfig { window_size: 3, ..Default::default() })?;
/// let mut state = AnomalyState::new(&s, 1);
/// for x in [1.0, 2.0, 1.0] { assert_eq!(state.update(&[x]), None); }
/// let (score, flagged) = state.update(&[50.0]).unwrap_or_default();
/// assert!(flagged && score > 0.99);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AnomalyState {
    detector: Detector,
    row: RowOutcome,
}

impl AnomalyState {
    /// A fresh state of `strategy` over `fields` values per row.
    pub fn new(strategy: &super::AnomalyStrategy, fields: usize) -> Self {
        AnomalyState {
            detector: Detector::new(strategy.settings(), fields),
            row: RowOutcome::default(),
        }
    }

    /// Scores one row (one value per field, NaN for missing), then learns from it; returns the
    /// row's anomaly score in [0, 1] and flag, `None` while nothing can be scored.
    #[inline]
    pub fn update(&mut self, values: &[f64]) -> Option<(f64, bool)> {
        self.detector.step(values, &mut self.row);
        self.row.score.map(|s| (s, self.row.flagged))
    }

    /// Heap bytes held (windows, forest, recent scores), by capacity: constant once the
    /// windows are full (O(window)).
    pub fn heap_bytes(&self) -> usize {
        self.detector.heap_bytes()
    }

    /// Forgets everything learned.
    pub fn reset(&mut self) {
        self.detector.reset();
    }
}
