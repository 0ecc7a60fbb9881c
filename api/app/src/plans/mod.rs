//! Plans and their seven steps (key points, measurements and actions follow).

pub mod key_points;
pub mod steps;
