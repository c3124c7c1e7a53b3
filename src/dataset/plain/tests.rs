use super::*;

#[test]
fn same_cell_is_equality() {
    // Every length up to 40, and a difference at every position.
    for n in 0..40usize {
        let a: Vec<u8> = (0..n).map(|i| b'0' + (i % 10) as u8).collect();
        assert!(same_cell(&a, &a.clone()), "{n}");
        for i in 0..n {
            let mut b = a.clone();
            b[i] = b'x';
            assert!(!same_cell(&a, &b), "{n} {i}");
        }
        let mut longer = a.clone();
        longer.push(b'0');
        assert!(!same_cell(&a, &longer), "{n}");
    }
}
