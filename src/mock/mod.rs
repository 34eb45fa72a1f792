//! mock (in progress)
