//! collect (in progress)
