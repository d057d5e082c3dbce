//! Fit and predict of the tree ensembles by catalog name on ~5,000 x 20
//! real features (the bundled sp500 series, see `tree_models_features`).
//! `cargo bench -p shared --bench models -- --warm-up-time 1 --measurement-time 5`

use criterion::{criterion_group, criterion_main, Criterion};
use shared::models as catalog;

#[path = "../tests/tree_models_features/mod.rs"]
mod tree_models_features;

fn models(c: &mut Criterion) {
    let (x, y, returns) = tree_models_features::build("sp500");
    let mut group = c.benchmark_group("models");
    group.sample_size(10);
    for name in [
        "random_forest_clf_100_sqrt",
        "random_forest_reg_100_sqrt_leaf5",
        "extra_trees_clf_100_sqrt",
        "gradient_boosting_clf_100_lr0_1_depth3",
        "gradient_boosting_clf_100_lr0_1_depth6",
        "gradient_boosting_reg_100_lr0_1_depth3",
    ] {
        let entry = catalog::entry(name).expect("catalog entry");
        let target = if entry.spec.task == catalog::Task::Regression {
            &returns
        } else {
            &y
        };
        group.bench_function(format!("{name}/fit"), |b| {
            b.iter(|| {
                let mut model = entry.build().unwrap();
                model.fit(&x, target, 0).unwrap();
                model
            })
        });
        let mut model = entry.build().unwrap();
        model.fit(&x, target, 0).unwrap();
        group.bench_function(format!("{name}/predict"), |b| {
            b.iter(|| model.predict(&x).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, models);
criterion_main!(benches);
