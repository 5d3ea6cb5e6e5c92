"""voiceguide: a voice coach for routines done with your eyes off the screen.

Importing the package stays light: numpy, pyttsx3 and simpleaudio load only when audio is made.
"""

__version__ = "0.1.0"
