"""livermet: an executable, cited model of NSCLC liver metastasis with virtual trials.

Research use only: not a medical device, gives no treatment advice.
"""

__version__ = "0.1.0"
