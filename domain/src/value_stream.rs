//! The value stream: ordered stages, names in several languages, and the rule that
//! positions stay 1, 2, …, n.

use std::collections::BTreeMap;

use crate::validation::FieldError;
use crate::values::Locale;

/// Names of a stage or sub-process in other languages, by locale tag.
pub fn parse_translations(
    field: &str,
    raw: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, FieldError> {
    let mut out = BTreeMap::new();
    for (tag, name) in raw {
        let locale =
            Locale::parse(tag).map_err(|e| FieldError::new(format!("{field}.{tag}"), e.message))?;
        let name = crate::values::Name::parse(name)
            .map_err(|e| FieldError::new(format!("{field}.{tag}"), e.message))?;
        out.insert(locale.as_str().to_owned(), name.into_inner());
    }
    Ok(out)
}

/// The order after moving `moving` to 1-based `position` among `ids` (already in
/// order). A position past the end means "last". Returns every id with its new,
/// dense position; `None` when `moving` is not among `ids`.
pub fn reorder<T: Clone + PartialEq>(
    ids: &[T],
    moving: &T,
    position: usize,
) -> Option<Vec<(T, i32)>> {
    let from = ids.iter().position(|id| id == moving)?;
    let mut order: Vec<T> = ids.to_vec();
    let item = order.remove(from);
    let to = position.clamp(1, order.len() + 1) - 1;
    order.insert(to, item);
    Some(dense(&order))
}

/// Where `id` goes when it is changed: archived (out of the order, position 0),
/// brought back (last unless `wanted`), or moved to `wanted`; `current` is where it
/// was. `others` are the other live items in order. Returns its position and the
/// others' new positions.
pub fn place<T: Clone + PartialEq>(
    others: &[T],
    id: &T,
    current: i32,
    was_archived: bool,
    archived: bool,
    wanted: Option<usize>,
) -> (i32, Vec<(T, i32)>) {
    if archived {
        return (0, dense(others));
    }
    let wanted = wanted.unwrap_or(if was_archived {
        usize::MAX
    } else {
        current.max(1) as usize
    });
    let mut ids = others.to_vec();
    ids.push(id.clone());
    let order = reorder(&ids, id, wanted).unwrap_or_default();
    let position = order
        .iter()
        .find(|(i, _)| i == id)
        .map(|(_, p)| *p)
        .unwrap_or(0);
    (
        position,
        order.into_iter().filter(|(i, _)| i != id).collect(),
    )
}

/// Positions 1..=n for ids in this order.
pub fn dense<T: Clone>(ids: &[T]) -> Vec<(T, i32)> {
    ids.iter().cloned().zip(1..).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn moving_up_and_down_keeps_the_rest_in_order() {
        let ids = ["a", "b", "c", "d"];
        fn names(v: Option<Vec<(&'static str, i32)>>) -> Vec<&'static str> {
            v.unwrap().into_iter().map(|(id, _)| id).collect()
        }
        assert_eq!(names(reorder(&ids, &"d", 1)), ["d", "a", "b", "c"]);
        assert_eq!(names(reorder(&ids, &"a", 3)), ["b", "c", "a", "d"]);
        assert_eq!(names(reorder(&ids, &"b", 99)), ["a", "c", "d", "b"]);
        assert_eq!(names(reorder(&ids, &"b", 0)), ["b", "a", "c", "d"]);
        assert!(reorder(&ids, &"x", 1).is_none());
    }

    #[test]
    fn placing_archives_restores_and_moves() {
        let others = ["a", "b", "c"];
        assert_eq!(
            place(&others, &"x", 2, false, true, None),
            (0, vec![("a", 1), ("b", 2), ("c", 3)])
        );
        assert_eq!(
            place(&others, &"x", 0, true, false, None),
            (4, vec![("a", 1), ("b", 2), ("c", 3)])
        );
        assert_eq!(
            place(&others, &"x", 3, false, false, Some(1)),
            (1, vec![("a", 2), ("b", 3), ("c", 4)])
        );
        assert_eq!(place(&others, &"x", 2, false, false, None).0, 2);
    }

    #[test]
    fn translations_are_keyed_by_supported_locales() {
        let mut raw = BTreeMap::new();
        raw.insert("zh-cn".to_owned(), " 发货验收 ".to_owned());
        let parsed = parse_translations("name_translations", &raw).unwrap();
        assert_eq!(parsed.get("zh-CN").map(String::as_str), Some("发货验收"));
        raw.insert("fr".to_owned(), "Livraison".to_owned());
        assert_eq!(
            parse_translations("name_translations", &raw)
                .unwrap_err()
                .field,
            "name_translations.fr"
        );
    }

    proptest! {
        #[test]
        fn positions_are_always_one_to_n(len in 1usize..20, from in 0usize..20, to in 0usize..25) {
            let ids: Vec<usize> = (0..len).collect();
            let moving = from % len;
            let result = reorder(&ids, &moving, to).unwrap();
            let positions: Vec<i32> = result.iter().map(|(_, p)| *p).collect();
            prop_assert_eq!(positions, (1..=len as i32).collect::<Vec<_>>());
            let mut seen: Vec<usize> = result.iter().map(|(id, _)| *id).collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, ids);
        }
    }
}
