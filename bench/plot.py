"""What bench/report.py's throughput chart and bench/soak_plot.py's soak chart share: the machine's description, the
colours and the SVG document around the panels."""
import subprocess

COLOURS = ["#444", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]


def machine(load=""):
    """The cores and CPU model, and the load average when the run began if known."""
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{cores} cores, {cpu}" + (f", load average {load} (1, 5, 15 min) when the run began" if load else "")


def document(body, height, width=800):
    """An SVG document of the given parts on a white background, in the charts' font."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">'
            '<rect width="100%" height="100%" fill="white"/>' + "".join(body) + "</svg>\n")
