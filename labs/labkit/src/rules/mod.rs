//! Rule families, one module each. Every family exposes `pub fn rules()`.

pub mod cleanroom;
pub mod compose;
pub mod dockerfile;
pub mod engine;
pub mod env;
pub mod files;
pub mod k8s;
pub mod ocf;
pub mod prometheus;
pub mod sequence;
