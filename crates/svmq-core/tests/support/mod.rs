//! What the engine's integration tests share: seeded generated problems and the
//! LIBLINEAR oracle. Each test binary uses a part of it.
#![allow(dead_code)]

pub mod liblinear;
pub mod problems;
