//! The cxpm server: HTTP handlers, persistence, configuration.
//!
//! `main.rs` is a thin shell over [`cli`], which runs [`server`]; the tests start the same [`server::App`] on
//! a random port.

pub mod app;
pub mod auth;
pub mod cli;
pub mod compress;
pub mod config;
pub mod demo;
pub mod error;
pub mod http;
pub mod jobs;
pub mod labels;
pub mod listen;
pub mod metrics;
pub mod oidc;
pub mod report_cache;
pub mod security;
pub mod server;
pub mod web;
pub mod words;
