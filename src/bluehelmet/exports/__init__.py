"""Writers for the files a mission hands on: CSV, XLSX, GeoJSON and HXL."""
