//! Rule families, one module each. Every family exposes `pub fn rules()`, listed in
//! [`crate::engine::registry`].

pub mod backup;
pub mod compose;
pub mod container;
pub mod dockerfile;
pub mod env;
pub mod files;
pub mod healthprobe;
pub mod k8s;
pub mod ocf;
pub mod peers;
pub mod prometheus;
pub mod run;
mod secrets;
pub mod sequence;
