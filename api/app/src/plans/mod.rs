//! Plans and their seven steps (key points, measurements and actions follow).

pub mod steps;
