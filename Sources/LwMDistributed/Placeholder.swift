// Placeholder so the target builds; real sources land here.
