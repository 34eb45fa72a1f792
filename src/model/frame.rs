//! Builds a polars frame row by row, in exactly the catalogue's schema.

use polars::prelude::{Column, DataFrame};

use super::ModelError;
use super::catalogue::{ColType, TableDef};

/// One cell value; `None` is null.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Str(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(Option<bool>),
}

impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Self {
        Self::Str(v)
    }
}
impl From<String> for Cell {
    fn from(v: String) -> Self {
        Self::Str(Some(v))
    }
}
impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Self::Str(Some(v.to_string()))
    }
}
impl From<Option<&str>> for Cell {
    fn from(v: Option<&str>) -> Self {
        Self::Str(v.map(str::to_string))
    }
}
impl From<Option<i64>> for Cell {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}
impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}
impl From<usize> for Cell {
    fn from(v: usize) -> Self {
        Self::Int(i64::try_from(v).ok())
    }
}
impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        Self::Float(Some(v))
    }
}
impl From<Option<bool>> for Cell {
    fn from(v: Option<bool>) -> Self {
        Self::Bool(v)
    }
}
impl From<bool> for Cell {
    fn from(v: bool) -> Self {
        Self::Bool(Some(v))
    }
}

enum ColData {
    Str(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
}

/// Accumulates rows for one catalogue table.
pub(crate) struct FrameBuilder {
    def: &'static TableDef,
    cols: Vec<ColData>,
    rows: usize,
}

impl FrameBuilder {
    /// Starts the table `def`.
    pub(crate) fn new(def: &'static TableDef) -> Self {
        let cols = def
            .columns
            .iter()
            .map(|c| match c.dtype {
                ColType::Str => ColData::Str(Vec::new()),
                ColType::Int => ColData::Int(Vec::new()),
                ColType::Float => ColData::Float(Vec::new()),
                ColType::Bool => ColData::Bool(Vec::new()),
            })
            .collect();
        Self { def, cols, rows: 0 }
    }

    /// Appends one row; columns not named are null. A column that is not in the catalogue or a
    /// cell of the wrong type is a bug in the model, reported as [`ModelError::Internal`].
    pub(crate) fn push(&mut self, cells: Vec<(&str, Cell)>) -> Result<(), ModelError> {
        let mut row: Vec<Option<Cell>> = vec![None; self.cols.len()];
        for (name, cell) in cells {
            let idx = self
                .def
                .columns
                .iter()
                .position(|c| c.name == name)
                .ok_or_else(|| self.internal(format!("no column {name}")))?;
            row[idx] = Some(cell);
        }
        for (idx, (col, cell)) in self.cols.iter_mut().zip(row).enumerate() {
            match (col, cell) {
                (ColData::Str(v), None) => v.push(None),
                (ColData::Int(v), None) => v.push(None),
                (ColData::Float(v), None) => v.push(None),
                (ColData::Bool(v), None) => v.push(None),
                (ColData::Str(v), Some(Cell::Str(x))) => v.push(x),
                (ColData::Int(v), Some(Cell::Int(x))) => v.push(x),
                (ColData::Float(v), Some(Cell::Float(x))) => v.push(x),
                (ColData::Bool(v), Some(Cell::Bool(x))) => v.push(x),
                (_, Some(cell)) => {
                    let name = self.def.columns[idx].name;
                    return Err(ModelError::Internal {
                        table: self.def.name.to_string(),
                        message: format!("column {name}: wrong cell type {cell:?}"),
                    });
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    fn internal(&self, message: String) -> ModelError {
        internal_err(self.def, message)
    }

    /// The finished frame.
    pub(crate) fn finish(self) -> Result<DataFrame, ModelError> {
        let columns: Vec<Column> = self
            .def
            .columns
            .iter()
            .zip(self.cols)
            .map(|(def, data)| {
                let name = def.name.into();
                match data {
                    ColData::Str(v) => Column::new(name, v),
                    ColData::Int(v) => Column::new(name, v),
                    ColData::Float(v) => Column::new(name, v),
                    ColData::Bool(v) => Column::new(name, v),
                }
            })
            .collect();
        DataFrame::new(self.rows, columns).map_err(|e| internal_err(self.def, e.to_string()))
    }
}

/// A model bug in table `def`.
fn internal_err(def: &TableDef, message: String) -> ModelError {
    ModelError::Internal {
        table: def.name.to_string(),
        message,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::catalogue::table;

    #[test]
    fn rows_fill_missing_columns_with_null_and_keep_catalogue_schema() {
        let def = table("groups").unwrap();
        let mut b = FrameBuilder::new(def);
        b.push(vec![("id", "00g1".into()), ("member_count", 3usize.into())])
            .unwrap();
        let df = b.finish().unwrap();
        assert_eq!(df.schema().as_ref(), &def.schema());
        assert_eq!(df.height(), 1);
        assert!(
            FrameBuilder::new(def)
                .push(vec![("nope", "x".into())])
                .is_err()
        );
    }
}
