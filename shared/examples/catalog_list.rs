//! Prints the model catalog, one entry per line: name, family, task,
//! implementation and parameters. `cargo run -p shared --example catalog_list`.

fn main() {
    let entries = shared::models::catalog();
    for entry in &entries {
        let spec = &entry.spec;
        println!(
            "{}\t{}\t{}\t{}\t{:?}",
            spec.name,
            spec.family.as_str(),
            spec.task.as_str(),
            spec.implementation,
            spec.params
        );
    }
    eprintln!("{} entries", entries.len());
}
