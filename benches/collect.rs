//! Benchmark placeholder; replaced by the collection benchmark.

fn main() {}
