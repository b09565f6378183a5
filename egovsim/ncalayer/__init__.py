"""An NCALayer-compatible signer answering from the personas' keystores."""
