use super::Params;
use super::score::noisy_or;

#[test]
fn combining_evidence() {
    assert_eq!(noisy_or([]), 0.0);
    assert!((noisy_or([45.0, 45.0]) - 69.75).abs() < 1e-9);
    assert!((noisy_or([95.0]) - 95.0).abs() < 1e-9);
    let p = Params::default();
    // A homophone alone needs corroboration; with a specific address it has it.
    assert!(noisy_or([p.weight_homophone]) < p.min_score);
    assert!(noisy_or([p.weight_address * 2.0 / 3.0]) < p.min_score);
    assert!(noisy_or([p.weight_address * 2.0 / 3.0, p.weight_homophone]) >= p.min_score);
    // The 分户 pattern (two households at one address) stands alone.
    assert!(p.weight_address >= p.min_score);
    // A common name unique in its village reaches the line; shared by two, not.
    assert!(p.weight_same_name * p.common_name_factor + 1e-9 >= p.min_score);
    assert!(p.weight_same_name * p.common_name_factor / 2.0 < p.min_score);
    assert!(p.weight_same_name / 2.0 < p.min_score);
}
