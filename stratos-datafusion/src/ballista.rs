//! Stratos' functions on an [Apache Ballista](https://datafusion.apache.org/ballista/) cluster
//! (feature `ballista`).
//!
//! A Ballista query crosses three processes, and each must know the functions by name:
//!
//! - the **client** plans the SQL: [`remote`] connects to a scheduler and registers the
//!   functions on the connected [`SessionContext`] (after Ballista's own session set-up, which
//!   replaces the function lists of the state it is given);
//! - the **scheduler** decodes the client's logical plan and plans it physically, with the
//!   session state its session builder makes: [`scheduler_config`] sets
//!   [`SchedulerConfig::override_session_builder`] to [`session_builder`], Ballista's default
//!   state plus Stratos' functions;
//! - each **executor** decodes the physical plan of its tasks against its function registry:
//!   [`executor_config`] sets [`ExecutorProcessConfig::override_function_registry`] to
//!   [`function_registry`], Ballista's defaults plus Stratos' functions.
//!
//! The functions travel in the plans by name and their arguments (window sizes, JSON
//! configurations) as literals, so Ballista's default logical and physical extension codecs
//! carry them: no codec of our own is needed. The stock `ballista-scheduler` and
//! `ballista-executor` binaries know none of this; the examples `ballista_scheduler` and
//! `ballista_executor` are the same processes with Stratos' functions (see the crate README).

use std::sync::Arc;

use ballista::prelude::SessionContextExt;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::utils::default_session_builder;
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use ballista_scheduler::scheduler_server::SchedulerServer;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{FunctionRegistry, SessionState};
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use tokio::net::TcpListener;

pub use ballista_executor::executor_process::ExecutorProcessConfig;
pub use ballista_scheduler::config::SchedulerConfig;

fn ballista_error(what: &str, e: ballista_core::error::BallistaError) -> DataFusionError {
    DataFusionError::External(format!("ballista {what}: {e}").into())
}

/// Adds Stratos' window and aggregate functions to `state` (replacing functions of the same
/// name).
///
/// # Errors
/// None today: DataFusion's session state accepts every function.
pub fn register_on_state(state: &mut SessionState) -> Result<()> {
    for f in crate::window_functions() {
        state.register_udwf(Arc::new(f))?;
    }
    for f in crate::aggregate_functions() {
        state.register_udaf(Arc::new(f))?;
    }
    Ok(())
}

/// The scheduler's session builder: Ballista's default session state for `config`, with
/// Stratos' functions registered.
///
/// # Errors
/// Ballista's default session builder failing (its runtime environment).
pub fn session_builder(config: SessionConfig) -> Result<SessionState> {
    let mut state = default_session_builder(config)?;
    register_on_state(&mut state)?;
    Ok(state)
}

/// The executors' function registry: Ballista's defaults (DataFusion's built-in functions) and
/// Stratos' functions.
pub fn function_registry() -> BallistaFunctionRegistry {
    let mut registry = BallistaFunctionRegistry::default();
    for f in crate::window_functions() {
        registry
            .window_functions
            .insert(f.name().to_string(), Arc::new(f));
    }
    for f in crate::aggregate_functions() {
        registry
            .aggregate_functions
            .insert(f.name().to_string(), Arc::new(f));
    }
    registry
}

/// `config` with Stratos' functions on the scheduler (its session builder set to
/// [`session_builder`]).
pub fn scheduler_config(mut config: SchedulerConfig) -> SchedulerConfig {
    config.override_session_builder = Some(Arc::new(session_builder));
    config
}

/// `config` with Stratos' functions on the executor (its function registry set to
/// [`function_registry`]).
pub fn executor_config(mut config: ExecutorProcessConfig) -> ExecutorProcessConfig {
    config.override_function_registry = Some(Arc::new(function_registry()));
    config
}

/// A scheduler with Stratos' functions: Ballista's scheduler server, not yet serving.
pub type Scheduler = SchedulerServer<LogicalPlanNode, PhysicalPlanNode>;

/// Builds a scheduler from `config` with Stratos' functions (see [`scheduler_config`]); serve
/// it with [`serve_scheduler`]. Its `state` tells which executors have registered
/// (`scheduler.state.executor_manager.get_executors_state()`).
///
/// # Errors
/// An invalid configuration, or the scheduler's cluster state failing to start.
pub async fn build_scheduler(config: SchedulerConfig) -> Result<Scheduler> {
    let config = scheduler_config(config);
    config
        .validate()
        .map_err(|e| ballista_error("scheduler configuration", e))?;
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| ballista_error("scheduler cluster state", e))?;
    create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, Arc::new(config))
        .await
        .map_err(|e| ballista_error("scheduler", e))
}

/// Serves `scheduler`'s gRPC service on `listener` until the server stops. The scheduler's
/// `bind_port` should be the listener's port: it is the port the scheduler reports.
///
/// # Errors
/// The gRPC server failing.
pub async fn serve_scheduler(scheduler: Scheduler, listener: TcpListener) -> Result<()> {
    start_grpc_service_with_listener(listener, scheduler)
        .await
        .map_err(|e| ballista_error("scheduler service", e))
}

/// Binds `config.bind_host:config.bind_port` and serves a scheduler with Stratos' functions
/// there until it stops (what the `ballista_scheduler` example runs).
///
/// # Errors
/// The address cannot be bound, or [`build_scheduler`] or the server fails.
pub async fn run_scheduler(config: SchedulerConfig) -> Result<()> {
    let address = format!("{}:{}", config.bind_host, config.bind_port);
    let listener = TcpListener::bind(&address).await.map_err(|e| {
        DataFusionError::External(format!("binding the scheduler to {address}: {e}").into())
    })?;
    serve_scheduler(build_scheduler(config).await?, listener).await
}

/// Runs an executor with Stratos' functions: it registers with the scheduler at
/// `config.scheduler_host:config.scheduler_port` and runs its tasks until it is stopped.
///
/// # Errors
/// An invalid configuration, a port that cannot be bound, or the scheduler unreachable.
pub async fn run_executor(config: ExecutorProcessConfig) -> Result<()> {
    ballista_executor::executor_process::start_executor_process(Arc::new(executor_config(config)))
        .await
        .map_err(|e| ballista_error("executor", e))
}

/// A client session on the Ballista scheduler at `url` (`df://host:port`), with Stratos'
/// functions registered: queries planned on it run on the cluster.
///
/// # Errors
/// A malformed URL. (The scheduler is first contacted when a query runs.)
pub async fn remote(url: &str) -> Result<SessionContext> {
    let ctx = SessionContext::remote(url).await?;
    crate::register_all(&ctx)?;
    Ok(ctx)
}
