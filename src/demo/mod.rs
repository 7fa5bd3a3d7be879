//! Demos: the built-in experiments a lesson can run on real processes and
//! threads. This module holds the catalogue (names and parameters) that
//! lessons are checked against.

mod catalog;
mod params;

pub use catalog::{CATALOG, DemoInfo, demo_names, find_demo};
pub use params::{DemoParams, ParamError, ParamKind, ParamSpec, ParamValue};
