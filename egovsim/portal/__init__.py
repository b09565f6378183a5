"""The portal: applicants' accounts (C1), requests (P3-P7), and the personal cabinet (P9)."""
