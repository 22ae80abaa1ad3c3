"""biopolicy: Fujian / Xiamen / Fuzhou biomedical-industry policies put to work."""

__version__ = "0.1.0"
