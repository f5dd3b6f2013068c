package provision

// CountHashes makes a run call f after each password it hashes or compares
// with a stored hash, so that tests can count the hashes a cancelled run
// still makes.
func CountHashes(o *Options, f func()) { o.hashed = f }

// Batches tells how many batches of rows the workers have made, how many
// are free, and how many they allow at once.
func Batches(w *Workers) (made, free, max int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.made, len(w.free), w.max
}
