"""The case-study networks counted from Keras, and each one's key idea."""
