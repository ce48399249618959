"""The reference mission: MINUSMA, January to May 2021, rebuilt from S/2021/520 and public data."""
