//! Reference predictors that learn (almost) nothing: the yardsticks every
//! real model is compared with. Hand-written.

use crate::models::{CatalogEntry, Family, Matrix, Model, ModelError, Params, Task};

/// This family's entries.
pub fn entries() -> Vec<CatalogEntry> {
    vec![
        CatalogEntry::new(
            "baseline_majority_class",
            Family::Baseline,
            Task::Classification,
            &[],
            "hand-written",
            |_: &Params| Ok(Box::new(MajorityClass::default()) as Box<dyn Model>),
        ),
        CatalogEntry::new(
            "baseline_mean_return",
            Family::Baseline,
            Task::Regression,
            &[],
            "hand-written",
            |_: &Params| Ok(Box::new(MeanValue::default()) as Box<dyn Model>),
        ),
    ]
}

/// Predicts the training set's more frequent label, with its frequency as
/// the probability. The naive baseline of the walk-forward report.
#[derive(Debug, Default, Clone)]
pub struct MajorityClass {
    p_up: Option<f64>,
}

impl Model for MajorityClass {
    fn fit(&mut self, _x: &Matrix, y: &[f64], _seed: u64) -> Result<(), ModelError> {
        if y.is_empty() {
            return Err(ModelError::TooLittleData("no training labels".into()));
        }
        self.p_up = Some(y.iter().filter(|&&v| v > 0.5).count() as f64 / y.len() as f64);
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let p = self.p_up.ok_or(ModelError::NotTrained)?;
        Ok(vec![if p >= 0.5 { 1.0 } else { 0.0 }; x.rows()])
    }

    fn predict_proba(&self, x: &Matrix) -> Result<Option<Vec<f64>>, ModelError> {
        let p = self.p_up.ok_or(ModelError::NotTrained)?;
        Ok(Some(vec![p; x.rows()]))
    }
}

/// Predicts the training mean of the target.
#[derive(Debug, Default, Clone)]
pub struct MeanValue {
    mean: Option<f64>,
}

impl Model for MeanValue {
    fn fit(&mut self, _x: &Matrix, y: &[f64], _seed: u64) -> Result<(), ModelError> {
        if y.is_empty() {
            return Err(ModelError::TooLittleData("no training targets".into()));
        }
        self.mean = Some(y.iter().sum::<f64>() / y.len() as f64);
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        Ok(vec![self.mean.ok_or(ModelError::NotTrained)?; x.rows()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_and_mean() {
        let x = Matrix::zeros(4, 1);
        let mut model = MajorityClass::default();
        assert_eq!(model.predict(&x), Err(ModelError::NotTrained));
        model.fit(&x, &[1.0, 1.0, 0.0, 1.0], 0).unwrap();
        assert_eq!(model.predict(&x).unwrap(), vec![1.0; 4]);
        assert_eq!(model.predict_proba(&x).unwrap(), Some(vec![0.75; 4]));
        let mut mean = MeanValue::default();
        mean.fit(&x, &[0.01, 0.03, -0.02, 0.02], 0).unwrap();
        assert!((mean.predict(&x).unwrap()[0] - 0.01).abs() < 1e-15);
    }
}
