//! Reports: what the gap and progress reports, their snapshots and the leadership
//! digest say, as plain data. JSON, CSV and HTML are the fronts' renderings of it.

pub mod queries;
