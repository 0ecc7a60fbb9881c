//! Keyset pagination over time-ordered ids: `id > cursor ORDER BY id LIMIT n+1`.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

/// One page of a list: at most `limit` rows after the id `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub limit: u64,
    pub after: Option<String>,
}

impl Page {
    /// Applies the page to a query ordered by `id_col`.
    pub fn apply<E: EntityTrait, C: ColumnTrait>(&self, select: Select<E>, id_col: C) -> Select<E> {
        let select = match &self.after {
            Some(after) => select.filter(id_col.gt(after.clone())),
            None => select,
        };
        select.order_by_asc(id_col).limit(self.limit + 1)
    }

    /// Splits the fetched rows into the page and the next cursor.
    pub fn finish<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> &str) -> (Vec<T>, Option<String>) {
        let next = if rows.len() as u64 > self.limit {
            rows.truncate(self.limit as usize);
            rows.last().map(|r| id(r).to_owned())
        } else {
            None
        };
        (rows, next)
    }
}
