//! Memory-map pictures (placeholder).
